#!/usr/bin/env bash
# The 通报 and the first notices' calendars through a real Postfix (STARTTLS + AUTH, the
# private instance of postfix-setup.sh): `followup run --once` sends the shipped example's
# first notices (each with an .ics), `followup report --send` sends the bulletin with the
# 台账 attached; check_report.py reads the delivered Maildir files back with Python's email
# package, the .ics with Python's icalendar (Debian's python3-icalendar) and the .xlsx with
# zipfile. Runnable by hand as root: bash tests/interop/report-interop.sh
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

export POSTFIX_PORT="${POSTFIX_PORT:-2587}"
export POSTFIX_PASSWORD="${POSTFIX_PASSWORD:-interop-secret}"
export POSTFIX_BASE="${POSTFIX_BASE:-/var/lib/followup-postfix}"

if ! /usr/bin/python3 -c 'import icalendar' 2>/dev/null; then
    echo "-- installing python3-icalendar"
    apt-get install -y -q python3-icalendar >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q python3-icalendar >/dev/null; }
fi

echo "-- starting Postfix"
eval "$(bash tests/interop/postfix-setup.sh start | grep '^POSTFIX_')"
work="$(mktemp -d)"
trap 'rm -rf "$work"; bash tests/interop/postfix-setup.sh stop >/dev/null 2>&1 || true' EXIT
rm -rf "$POSTFIX_MAILDIR"/new/* "$POSTFIX_MAILDIR"/cur/* 2>/dev/null || true

echo "-- building followup"
cargo build --locked --quiet
followup="$PWD/target/debug/followup"

mkdir -p "$work/commitments"
cp config/commitments/*.toml "$work/commitments/"
cp "$POSTFIX_CA" "$work/ca.pem"
printf '%s\n' "$POSTFIX_PASSWORD" > "$work/password"
chmod 600 "$work/password"
/usr/bin/python3 - "$work" "$POSTFIX_PORT" <<'PY'
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
# The bulletin on Fridays at 09:00, to the office.
text = text.replace("\n[departments.", '\n[report]\nremind = "0 9 * * FRI"\nto = ["bulletin@example.gov.cn"]\n\n[departments.', 1)
open(work + "/followup.toml", "w", encoding="utf-8").write(text)
PY

"$followup" --config "$work/followup.toml" check
echo "-- first notices (with .ics) and the bulletin through Postfix"
"$followup" --config "$work/followup.toml" run --once
"$followup" --config "$work/followup.toml" report --send

expected_files=4   # three first notices (one copy per recipient may add more) + the bulletin
for _ in $(seq 1 120); do
    count=$(find "$POSTFIX_MAILDIR/new" -type f 2>/dev/null | wc -l)
    [ "$count" -ge "$expected_files" ] && /usr/bin/python3 tests/interop/check_report.py "$POSTFIX_MAILDIR/new" --quiet && break
    sleep 0.5
done
/usr/bin/python3 tests/interop/check_report.py "$POSTFIX_MAILDIR/new"
echo "-- report interop passed"
