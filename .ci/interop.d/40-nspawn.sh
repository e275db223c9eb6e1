#!/usr/bin/env bash
# The packaged service under a real systemd 252 in a Debian bookworm container
# (debootstrap + systemd-nspawn, driven with nsenter); see tests/interop/nspawn.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/interop/nspawn.sh
