#!/usr/bin/env bash
# The 通报 with its .xlsx and the first notices' .ics through real Postfix, read back with
# Python's email, icalendar and zipfile; see tests/interop/report-interop.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/interop/report-interop.sh
