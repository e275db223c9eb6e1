#!/usr/bin/env bash
# The Debian package: build it with cargo-deb, install it with dpkg, run the installed
# binary on the installed configuration (made deliverable to files), verify the installed
# unit, then remove and purge it and check that nothing is left; then purge again with a
# password file and an office's own commitments file in /etc/followup (README: purge
# removes the password, keeps the office's files and names them).
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== 30-deb: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { echo "FAIL: $*"; exit 1; }

scratch=$(mktemp -d)
cleanup() {
    # Leave the machine as it was, whatever failed.
    if dpkg-query -W -f='${db:Status-Abbrev}' followup 2>/dev/null | grep -q '^[a-z]i'; then
        dpkg -P followup >/dev/null 2>&1 || true
    fi
    if [ -n "${office_file:-}" ]; then
        rm -f "$office_file"
        rmdir /etc/followup/commitments /etc/followup 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT

step "tools"
if ! command -v systemd-analyze >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y systemd
fi
if dpkg-query -W -f='${db:Status-Abbrev}' followup 2>/dev/null | grep -q '^[a-z]i'; then
    fail "followup is already installed on this machine; this check installs and purges it"
fi

step "build the package (tests/interop/build-deb.sh)"
package=$(bash tests/interop/build-deb.sh | tail -n 1)
cargo deb --version
dpkg-deb --info "$package"
dpkg-deb --contents "$package"

step "dpkg -i $package"
dpkg -i "$package"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ "$(followup --version)" = "followup $version" ] || fail "followup --version says $(followup --version)"
command -v followup | grep -qx /usr/bin/followup || fail "followup is not /usr/bin/followup"
for file in \
    /lib/systemd/system/followup.service \
    /etc/followup/followup.toml \
    /etc/followup/commitments/example.toml \
    /usr/share/man/man1/followup.1.gz \
    /usr/share/bash-completion/completions/followup \
    /usr/share/zsh/vendor-completions/_followup \
    /usr/share/fish/vendor_completions.d/followup.fish; do
    [ -s "$file" ] || fail "$file is missing after install"
done
conffiles=$(dpkg-query -W -f='${Conffiles}' followup)
for file in /etc/followup/followup.toml /etc/followup/commitments/example.toml; do
    printf '%s\n' "$conffiles" | grep -q " $file " || fail "$file is not a conffile"
done
echo "ok: binary, unit, configuration (conffiles), man page and completions installed"
# build.rs links with packed relative relocations; only glibc 2.36's loader reads them.
readelf -d /usr/bin/followup | grep -q '(RELR)' || fail "/usr/bin/followup has no packed relative relocations (RELR)"
# The functions the idle daemon runs lie together at the start of .text (build.rs,
# link/hot-text.ld); checked on the unstripped build the package was made from.
python3 tools/hot-text/hot-text.py check target/release/followup || fail "the hot functions are not together (tools/hot-text)"
dpkg-deb --field "$package" Depends | grep -q 'libc6 (>= 2.36)' \
    || fail "the package does not depend on libc6 (>= 2.36), which its packed relocations need"
echo "ok: packed relative relocations, and the package asks for the glibc that reads them"

step "followup check on the installed configuration, as shipped"
# The shipped file names a placeholder mail server: check refuses it and says what to fill in.
if followup --config /etc/followup/followup.toml check 2> "$scratch/check.err"; then
    echo "check accepted the placeholder mail server" >&2
    exit 1
fi
cat "$scratch/check.err"
grep -q 'mail.host: `smtp.example.invalid` is a placeholder' "$scratch/check.err"

step "followup check and run --once on the installed configuration, made deliverable"
# Write to files instead of smtp.example.invalid, keep state in the scratch folder, and
# open the example commitment so there is something to send.
mkdir -p "$scratch/etc"
cp -r /etc/followup/. "$scratch/etc/"
sed -i \
    -e 's|^transport = "smtp".*|transport = "file"|' \
    -e "s|^state_dir = .*|state_dir = \"$scratch/state\"|" \
    "$scratch/etc/followup.toml"
sed -i -e 's|^status = "done".*|status = "open"|' -e '/^done_on = /d' -e '/^note = /d' \
    "$scratch/etc/commitments/example.toml"
followup --config "$scratch/etc/followup.toml" check
RUST_LOG=warn followup --config "$scratch/etc/followup.toml" run --once
ls "$scratch/state/outbox/"*.eml >/dev/null 2>&1 || fail "run --once wrote no email"
grep -q '^X-Followup-Commitments: example-2025-1-1' "$scratch/state/outbox/"*.eml \
    || fail "the email does not name the example commitment"
echo "ok: check passed and run --once wrote the example's first notice"

step "systemd-analyze verify on the installed unit"
verify_output=$(systemd-analyze verify --man=no /lib/systemd/system/followup.service 2>&1) || {
    printf '%s\n' "$verify_output"
    fail "systemd-analyze verify exited non-zero"
}
[ -z "$verify_output" ] || { printf '%s\n' "$verify_output"; fail "systemd-analyze verify printed something"; }
echo "ok: verify printed nothing"

step "dpkg -r followup"
dpkg -r followup
[ ! -e /usr/bin/followup ] || fail "/usr/bin/followup is still there after dpkg -r"
[ ! -e /lib/systemd/system/followup.service ] || fail "the unit is still there after dpkg -r"
[ -e /etc/followup/followup.toml ] || fail "dpkg -r removed a conffile (only purge should)"
echo "ok: removed; the configuration stays until purge"

step "dpkg -P followup"
dpkg -P followup
[ ! -e /etc/followup ] || fail "/etc/followup is still there after purge: $(ls -A /etc/followup)"
status=$(dpkg-query -W -f='${db:Status-Abbrev}' followup 2>/dev/null || true)
case "$status" in
    "" | un* | pn*) ;;
    *) fail "dpkg still lists followup as '$status'" ;;
esac
dpkg -l followup 2>&1 | tail -n 1 || true
echo "ok: purged; nothing left"

step "dpkg -P with the password and an office's own commitments file"
# README: purge removes what the package installed and the password file; it keeps the
# office's own files (and says so), so /etc/followup stays with only those in it.
dpkg -i "$package" >/dev/null
install -m 0600 /dev/null /etc/followup/smtp-password
echo secret >/etc/followup/smtp-password
office_file=/etc/followup/commitments/office-1.toml
printf '[letter]\nid = "office-1"\n' >"$office_file"
dpkg -P followup 2>"$scratch/purge.err"
cat "$scratch/purge.err"
[ ! -e /etc/followup/smtp-password ] || fail "purge kept /etc/followup/smtp-password"
[ ! -e /etc/followup/followup.toml ] || fail "purge kept followup.toml"
[ ! -e /etc/followup/commitments/example.toml ] || fail "purge kept example.toml"
[ -f /etc/followup/commitments/office-1.toml ] || fail "purge removed the office's own commitments file"
grep -q 'kept /etc/followup' "$scratch/purge.err" || fail "purge did not say what it kept"
grep -q '/etc/followup/commitments/office-1.toml' "$scratch/purge.err" \
    || fail "purge did not name the file it kept"
[ "$(find /etc/followup -not -type d)" = /etc/followup/commitments/office-1.toml ] \
    || fail "after purge /etc/followup holds: $(find /etc/followup)"
rm -r /etc/followup
office_file=
echo "ok: purge removed the package's files and the password, kept the office's file and named it"
