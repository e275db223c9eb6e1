#!/usr/bin/env bash
# The systemd unit, checked without systemd running: `systemd-analyze verify` must print
# nothing, and `systemd-analyze security --offline` must rate its exposure 1.5 or lower.
set -euo pipefail
cd "$(dirname "$0")/../.."

unit=systemd/followup.service
limit=1.5

step() { printf '\n== 20-systemd: %s\n' "$*"; }

step "tools"
if ! command -v systemd-analyze >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y systemd
fi
systemd-analyze --version | head -n 1

step "verify $unit"
# verify insists that ExecStart's binary exists: check a copy that starts the binary
# built here instead of /usr/bin/followup (30-deb.sh verifies the installed unit as is).
cargo build --locked --quiet
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed "s|^ExecStart=/usr/bin/followup |ExecStart=$PWD/target/debug/followup |" "$unit" \
    >"$scratch/followup.service"
grep -q "^ExecStart=$PWD/target/debug/followup " "$scratch/followup.service"
verify_output=$(systemd-analyze verify --man=no "$scratch/followup.service" 2>&1) || {
    printf '%s\n' "$verify_output"
    echo "FAIL: systemd-analyze verify exited non-zero"
    exit 1
}
if [ -n "$verify_output" ]; then
    printf '%s\n' "$verify_output"
    echo "FAIL: systemd-analyze verify printed something (warnings count as failures)"
    exit 1
fi
echo "ok: verify printed nothing"

step "security $unit (limit $limit)"
security_output=$(systemd-analyze security --offline=true --threshold=15 "$unit" 2>&1) || {
    printf '%s\n' "$security_output"
    echo "FAIL: exposure above the threshold of 1.5"
    exit 1
}
# Only the findings that cost something, then the verdict.
printf '%s\n' "$security_output" | grep '✗' || true
overall=$(printf '%s\n' "$security_output" | grep 'Overall exposure level')
echo "$overall"
level=$(printf '%s\n' "$overall" | sed -E 's/.*: ([0-9]+\.[0-9]+).*/\1/')
if ! awk -v level="$level" -v limit="$limit" 'BEGIN { exit !(level + 0 <= limit + 0) }'; then
    echo "FAIL: exposure $level is above $limit"
    exit 1
fi
echo "ok: exposure $level <= $limit"
