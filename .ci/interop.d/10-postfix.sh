#!/usr/bin/env bash
# Real Postfix (STARTTLS + AUTH) receives the example's reminders, and Postfix's smtp-sink
# stalls at each stage and refuses recipients; see tests/interop/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/interop/postfix-interop.sh
bash tests/interop/smtp-sink-faults.sh
