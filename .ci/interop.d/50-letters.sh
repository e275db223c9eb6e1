#!/usr/bin/env bash
# Letters in every format an office receives: LibreOffice makes .docx and .pdf from the
# corpus's text letters, a script builds OFD, iconv GBK/UTF-16; every format must draft the
# same commitments as the text (tests/interop/letters-formats.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v soffice >/dev/null || ! command -v iconv >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y libreoffice-writer-nogui fonts-noto-cjk python3 libc-bin
fi
bash tests/interop/letters-formats.sh
