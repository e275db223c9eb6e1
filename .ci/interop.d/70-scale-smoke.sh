#!/usr/bin/env bash
# The scale benchmark at smoke size (a few hundred commitments, debug build, 3 s idle), so
# the harness and the generator cannot rot. It prints the table; it asserts no timing.
# Installs Debian's prometheus-alertmanager when missing, for the peer rows.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v prometheus-alertmanager >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >/dev/null || true
fi
timeout 300 python3 benches/scale.py --smoke
