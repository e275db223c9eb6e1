#!/usr/bin/env bash
# followup against Postfix's smtp-sink misbehaving on purpose (loopback only): a server that
# stalls at a stage must give a bounded, named timeout in `send-test`, and `run --once` must
# exit 1 with everything still pending; a 550 for every RCPT fails the email for good. Runnable by hand: bash tests/interop/smtp-sink-faults.sh
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/sbin"
command -v smtp-sink >/dev/null || { echo "smtp-sink not found (package postfix)" >&2; exit 1; }

cargo build --locked --quiet
followup="$PWD/target/debug/followup"
work="$(mktemp -d)"
sink=""
cleanup() { [ -n "$sink" ] && kill "$sink" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
user=(); [ "$(id -u)" = 0 ] && user=(-u nobody)

start_sink() {
    [ -n "$sink" ] && { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; }
    smtp-sink "${user[@]}" "$@" "127.0.0.1:$port" 16 &
    sink=$!
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
    echo "smtp-sink did not start" >&2; exit 1
}

mkdir -p "$work/commitments"
cat > "$work/followup.toml" <<TOML
state_dir = "state"
commitments = ["commitments/*.toml"]
[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "smtp"
host = "127.0.0.1"
port = $port
tls = "none"
timeout = "2s"
[schedule]
remind = "0 9 1 1 *"
skip_holidays = false
[departments."省科技厅"]
to = ["kjt@example.gov.cn"]
cc = ["nobody@example.gov.cn"]
TOML
cat > "$work/commitments/letter.toml" <<'TOML'
[letter]
id = "l"
title = "关于推动我省通用人工智能产业发展的建议"
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
TOML

for stage in CONNECT EHLO MAIL RCPT DATA .; do
    echo "-- smtp-sink stalls 30 s at $stage; mail.timeout = 2s"
    start_sink -W "$stage:30"
    if "$followup" --config "$work/followup.toml" send-test --to ops@example.gov.cn 2>"$work/err"; then
        echo "send-test succeeded against a stalled server" >&2; exit 1
    fi
    cat "$work/err"
    grep -Eq "timed out|outcome unknown" "$work/err"
done

echo "-- run --once against a server stalling after the dot: exit 1, still pending"
rm -rf "$work/state"
start_sink -W ".:30"
if "$followup" --config "$work/followup.toml" run --once 2>"$work/err"; then
    echo "run --once exited 0" >&2; exit 1
fi
grep -q "outcome unknown" "$work/err"
"$followup" --config "$work/followup.toml" history | grep -q pending

echo "-- smtp-sink refuses every RCPT with 550: failed for good, exit 1"
rm -rf "$work/state"
start_sink -f RCPT -B "550 5.1.1 no such user"
if "$followup" --config "$work/followup.toml" run --once 2>"$work/err"; then
    echo "run --once exited 0" >&2; exit 1
fi
grep -q "every recipient was refused" "$work/err"
"$followup" --config "$work/followup.toml" history | grep -q failed
echo "-- smtp-sink faults passed"
