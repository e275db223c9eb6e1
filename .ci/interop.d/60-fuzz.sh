#!/usr/bin/env bash
# A one-minute fuzzing smoke: each target (configuration loader, letter importer) under
# AFL++ for 30 s from the seeds, failing on any crash or hang; then every saved regression
# input replayed through its target. Longer runs: README, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for target in config import; do
    echo "== 60-fuzz: $target for 30s"
    bash fuzz/run.sh "$target" 30 "$out"
done

for dir in tests/fuzz-regressions/*/; do
    [ -d "$dir" ] || continue
    target=$(basename "$dir")
    for input in "$dir"*; do
        [ -f "$input" ] || continue
        case "$input" in *.md) continue ;; esac
        echo "== 60-fuzz: replay $input"
        timeout 10 "fuzz/target/release/$target" <"$input" >/dev/null \
            || { echo "FAIL: $input still fails $target"; exit 1; }
    done
done
echo "ok: no crash, no hang"
