#!/usr/bin/env bash
# The Postfix `pipe` path of `followup receive`: a private Postfix (127.0.0.1:$PIPE_PORT, its
# own config under $PIPE_BASE, /etc/postfix untouched) routes duban@example.gov.cn to a
# `pipe` transport running `followup receive` as nobody. A reply sent over SMTP while the
# configuration is broken makes receive exit 75 (EX_TEMPFAIL): Postfix defers and keeps it.
# Once the configuration is fixed, a queue flush delivers it and it is in `followup reports`.
# Runnable by hand as root: bash tests/interop/postfix-pipe.sh
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

PORT="${PIPE_PORT:-2526}"
BASE="${PIPE_BASE:-/var/lib/followup-pipe}"
CONF="$BASE/conf"
LOG="$BASE/maillog"

if ! command -v postfix >/dev/null; then
    echo "postfix present: no; installing"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix \
        || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix; }
fi

echo "-- building followup"
cargo build --locked --quiet
work="$(mktemp -d)"
chmod 755 "$work"
cleanup() {
    postfix -c "$CONF" stop >/dev/null 2>&1 || true
    rm -rf "$work" "$BASE"
}
trap cleanup EXIT
# A copy nobody can execute (the build folder may sit below a private one).
install -m 755 target/debug/followup "$work/followup"

install -d -m 755 "$BASE" "$CONF" "$BASE/queue"
install -d -m 700 -o postfix -g postfix "$BASE/data"
: > "$LOG"
cat > "$CONF/main.cf" <<CF
compatibility_level = 3.6
config_directory = $CONF
queue_directory = $BASE/queue
data_directory = $BASE/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $LOG
maillog_file_prefixes = $BASE
myhostname = localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtputf8_enable = yes
relay_domains = example.gov.cn
relay_recipient_maps =
smtpd_recipient_restrictions = permit_mynetworks, reject
# The office's reply address goes to followup, one recipient per delivery.
transport_maps = inline:{ duban@example.gov.cn=followup: }
followup_destination_recipient_limit = 1
# Retry quickly (a flush below retries at once anyway).
minimal_backoff_time = 10s
queue_run_delay = 10s
CF
cat > "$CONF/master.cf" <<CF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# The line README's "Receiving replies" documents:
followup  unix  -       n       n       -       -       pipe
  flags=DRhu user=nobody argv=$work/followup --config $work/followup.toml receive
CF
postfix -c "$CONF" check
postfix -c "$CONF" stop >/dev/null 2>&1 || true
postfix -c "$CONF" start

install -d -m 755 -o nobody -g nogroup "$work/state"
mkdir -p "$work/commitments"
cat > "$work/commitments/jl.toml" <<'TOML'
[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "jl-2025-ai-3"
owner = "省财政厅"
text = "持续安排出资扩大基金规模"
TOML
good_config() {
    cat > "$work/followup.toml" <<'TOML'
state_dir = "state"
[mail]
from = "督办室 <duban@example.gov.cn>"
reply_to = "duban@example.gov.cn"
transport = "file"
[schedule]
remind = "0 0 9 * * Mon"
[departments."省财政厅"]
to = ["czt@example.gov.cn"]
TOML
}
# Broken: an unknown key. receive cannot know the commitments, so it asks to be retried.
good_config
printf 'oops = 1\n' >> "$work/followup.toml"
chmod -R a+rX "$work/followup.toml" "$work/commitments"

wait_for_log() {
    for _ in $(seq 1 120); do
        grep -q "$1" "$LOG" && return 0
        sleep 0.5
    done
    echo "no \`$1\` in the maillog:" >&2
    tail -n 40 "$LOG" >&2
    return 1
}

echo "-- sending a reply over SMTP"
/usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "czt@example.gov.cn"
m["To"] = "duban@example.gov.cn"
m["Subject"] = "回复：[督办 jl-2025-ai-3] 办理情况"
m["Message-ID"] = "<pipe-1@czt.example.gov.cn>"
m.set_content("jl-2025-ai-3 已办结，报告见附件")
m.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="办理情况报告.pdf")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as s:
    s.send_message(m)
PY

echo "-- the broken configuration: receive exits 75, Postfix defers"
wait_for_log "status=deferred"
grep "status=deferred" "$LOG" | tail -n 1
grep -q "relay=followup" "$LOG"
postqueue -c "$CONF" -p | grep -q "duban@example.gov.cn"

echo "-- fixed: the queued reply is delivered on the next try"
good_config
chmod a+r "$work/followup.toml"
postqueue -c "$CONF" -f
wait_for_log "status=sent"
grep "status=sent" "$LOG" | tail -n 1

"$work/followup" --config "$work/followup.toml" reports --json > "$work/reports.json"
/usr/bin/python3 - "$work/reports.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
rows = rows["reports"] if isinstance(rows, dict) else rows
assert len(rows) == 1, rows
row = rows[0]
assert row["message_id"] == "<pipe-1@czt.example.gov.cn>", row
assert row["commitment"] == "jl-2025-ai-3" and row["intent"] == "done", row
assert row["state"] == "pending", row
assert [a["name"] for a in row["attachments"]] == ["办理情况报告.pdf"], row
print("reports: one pending done claim with its attachment")
PY
echo "-- postfix pipe passed"
