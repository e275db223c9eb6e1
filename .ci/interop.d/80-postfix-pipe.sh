#!/usr/bin/env bash
# `followup receive` behind a real Postfix `pipe` transport: delivered into the reports;
# exit 75 (EX_TEMPFAIL) makes Postfix defer and retry. See tests/interop/postfix-pipe.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/interop/postfix-pipe.sh
