#!/usr/bin/env bash
# Sends the shipped example's reminders through a real Postfix (STARTTLS + AUTH, private
# instance on 127.0.0.1) with `followup run --once`, then checks the delivered Maildir files
# with a real MIME parser. Runnable by hand as root: bash tests/interop/postfix-interop.sh
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

export POSTFIX_PORT="${POSTFIX_PORT:-2587}"
export POSTFIX_PASSWORD="${POSTFIX_PASSWORD:-interop-secret}"
export POSTFIX_BASE="${POSTFIX_BASE:-/var/lib/followup-postfix}"

echo "-- starting Postfix"
eval "$(bash tests/interop/postfix-setup.sh start | grep '^POSTFIX_')"
trap 'bash tests/interop/postfix-setup.sh stop >/dev/null 2>&1 || true' EXIT
rm -rf "$POSTFIX_MAILDIR"/new/* "$POSTFIX_MAILDIR"/cur/* 2>/dev/null || true

echo "-- building followup"
cargo build --locked --quiet
followup="$PWD/target/debug/followup"

work="$(mktemp -d)"
trap 'rm -rf "$work"; bash tests/interop/postfix-setup.sh stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/commitments"
cp config/commitments/*.toml "$work/commitments/"
cp "$POSTFIX_CA" "$work/ca.pem"
printf '%s\n' "$POSTFIX_PASSWORD" > "$work/password"
chmod 600 "$work/password"
# The shipped example, switched from the file transport to this Postfix.
python3 - "$work" "$POSTFIX_PORT" <<'PY'
import re, sys
work, port = sys.argv[1], sys.argv[2]
text = open("config/followup.toml", encoding="utf-8").read()
text = text.replace('state_dir = "../state"', 'state_dir = "state"')
smtp = (
    'transport = "smtp"\nhost = "localhost"\nport = %s\ntls = "starttls"\n'
    'username = "followup"\npassword_file = "password"\nca_file = "ca.pem"\ntimeout = "20s"\n' % port
)
text, count = re.subn(r'^transport = "file".*$', smtp.rstrip("\n"), text, count=1, flags=re.M)
assert count == 1, "the shipped config has a `transport = \"file\"` line"
open(work + "/followup.toml", "w", encoding="utf-8").write(text)
PY

echo "-- followup check"
"$followup" --config "$work/followup.toml" check

echo "-- followup run --once through Postfix"
"$followup" --config "$work/followup.toml" run --once
"$followup" --config "$work/followup.toml" history

expected=3   # 省科技厅 (4 commitments in one digest), 省财政厅, 省人社厅
echo "-- waiting for $expected deliveries in $POSTFIX_MAILDIR"
for _ in $(seq 1 120); do
    count=$(find "$POSTFIX_MAILDIR/new" -type f 2>/dev/null | wc -l)
    [ "$count" -ge "$expected" ] && break
    sleep 0.5
done
count=$(find "$POSTFIX_MAILDIR/new" -type f | wc -l)
if [ "$count" -lt "$expected" ]; then
    echo "only $count of $expected messages were delivered; maillog:" >&2
    tail -n 60 "$POSTFIX_LOG" >&2 || true
    exit 1
fi

echo "-- MIME checks"
python3 tests/interop/check_maildir.py "$POSTFIX_MAILDIR/new" "$expected"
echo "-- postfix interop passed"
