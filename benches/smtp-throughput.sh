#!/usr/bin/env bash
# Sending throughput, side by side with Postfix's own load generator, against Postfix's
# smtp-sink on loopback (which accepts and discards). Prints a table. Run as root:
#   bash benches/smtp-throughput.sh [MESSAGES]
# smtp-source is the ceiling; followup also writes and fsyncs each row of its log twice
# (pending before the SMTP transaction, sent after it), which is the price of "never lost,
# never twice".
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${1:-2000}"
port=2526

if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
export PATH="$PATH:/usr/sbin"
cargo build --release --locked --quiet
followup="$PWD/target/release/followup"

work="$(mktemp -d)"
chmod 755 "$work"
smtp-sink -u nobody 127.0.0.1:$port 256 &
sink=$!
trap 'kill $sink 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.2f}")' "$1"; }

start=$(python3 -c 'import time; print(time.time())')
smtp-source -s 4 -m "$messages" -l 2048 127.0.0.1:$port
source_time=$(seconds "$start")

mkdir -p "$work/commitments"
cat > "$work/followup.toml" <<TOML
state_dir = "state"
[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "smtp"
host = "127.0.0.1"
port = $port
tls = "none"
[schedule]
remind = "0 9 1 1 *"
digest = false
[departments."省科技厅"]
to = ["kjt@example.gov.cn"]
TOML
python3 - "$work/commitments/bench.toml" "$messages" <<'PY'
import sys
path, count = sys.argv[1], int(sys.argv[2])
with open(path, "w", encoding="utf-8") as out:
    out.write('[letter]\nid = "bench"\ntitle = "关于推动我省通用人工智能产业发展的建议"\n')
    for index in range(count):
        out.write(f'[[commitment]]\nid = "b{index}"\nowner = "省科技厅"\ntext = "持续组织实施人工智能领域科技攻关，推进第二批聚力攻坚专项取得技术突破。"\n')
PY
start=$(python3 -c 'import time; print(time.time())')
RUST_LOG=warn "$followup" --config "$work/followup.toml" run --once
followup_time=$(seconds "$start")

printf '%-44s %8s %9s %9s\n' "sender (4 connections, loopback smtp-sink)" messages seconds "msg/s"
for row in "smtp-source -s 4 (2 KB, no log):$source_time" "followup run --once (first notices, logged):$followup_time"; do
    name="${row%%:*}"; time="${row##*:}"
    printf '%-44s %8s %9s %9s\n' "$name" "$messages" "$time" "$(python3 -c "print(round($messages/$time))")"
done
