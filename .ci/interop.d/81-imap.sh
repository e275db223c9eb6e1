#!/usr/bin/env bash
# IMAP intake against a real Dovecot (Debian's dovecot-imapd): the tests under
# tests/it/imap_intake.rs and tests/it/replies_imap.rs start a private instance on loopback
# themselves. Here dovecot is installed if missing, and FOLLOWUP_REQUIRE_DOVECOT=1 turns
# "dovecot is not installed" (a loud skip in a plain `cargo test`) into a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(dovecot-imapd dovecot-lmtpd)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
    # Without systemd the package's postinst would start the system Dovecot on 143/993:
    # a policy-rc.d that exits 101 forbids it (removed again if it was ours).
    ours=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        ours=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
        || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }
    [ -n "$ours" ] && rm -f /usr/sbin/policy-rc.d
fi

FOLLOWUP_REQUIRE_DOVECOT=1 cargo test --locked --test it -- imap_intake:: replies_imap::
