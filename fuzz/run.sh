#!/usr/bin/env bash
# Fuzzes one target with AFL++ for a number of seconds, then reports and fails on any crash
# or hang. Usage: fuzz/run.sh config|import SECONDS [OUT]   (OUT default: fuzz/target/afl)
#
# Sets up what it needs: cargo-afl (crates.io) and its AFL++ build, the instrumented
# targets (`cargo afl build --release` here, in fuzz/), and the seeds (fuzz/seeds.sh).
# A second run with the same OUT resumes from the corpus it left (AFL_AUTORESUME).
set -euo pipefail
cd "$(dirname "$0")"

target=${1:?usage: fuzz/run.sh config|import SECONDS [OUT]}
seconds=${2:?usage: fuzz/run.sh config|import SECONDS [OUT]}
out=${3:-$PWD/target/afl}
case "$target" in
    config) dict=(-x toml.dict) ;;
    import) dict=() ;;
    *) echo "unknown target $target (config or import)" >&2; exit 2 ;;
esac

if ! cargo afl --version >/dev/null 2>&1; then
    cargo install cargo-afl --locked
fi
# Builds AFL++ once per Rust version; says so and does nothing when it is there.
cargo afl config --build >/dev/null 2>&1 || true
# followup's dependencies at the versions the root Cargo.lock pins; cargo adds afl's.
cp ../Cargo.lock Cargo.lock
cargo afl build --release --quiet
seeds=$out/seeds
if [ ! -d "$seeds/$target" ]; then
    bash seeds.sh "$seeds"
fi

export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 AFL_SKIP_CRASHES=1
mkdir -p "$out"
# -t 1000: an input that runs longer than a second is a hang (the slowest seed takes a
# few milliseconds).
cargo afl fuzz -i "$seeds/$target" -o "$out/$target" "${dict[@]}" -t 1000 -V "$seconds" \
    "target/release/$target" >"$out/$target.log" 2>&1 || {
    tail -n 30 "$out/$target.log" >&2
    echo "FAIL: afl-fuzz on $target exited non-zero (log: $out/$target.log)" >&2
    exit 1
}

stats=$out/$target/default/fuzzer_stats
field() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(find "$out/$target/default/crashes" -type f -name 'id:*' | wc -l)
hangs=$(find "$out/$target/default/hangs" -type f -name 'id:*' | wc -l)
echo "fuzz $target: $(field run_time)s, $(field execs_done) execs ($(field execs_per_sec)/s)," \
    "corpus $(field corpus_count), edges $(field edges_found)/$(field total_edges)" \
    "($(field bitmap_cvg)), crashes $crashes, hangs $hangs"
if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "FAIL: inputs in $out/$target/default/crashes and .../hangs;" \
        "replay one with: fuzz/target/release/$target < FILE" >&2
    exit 1
fi
