#!/usr/bin/env bash
# Real Postfix (STARTTLS + AUTH) receives the example's reminders; see tests/interop/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/interop/postfix-interop.sh
