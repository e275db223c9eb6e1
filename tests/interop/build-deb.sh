#!/usr/bin/env bash
# Builds the Debian package: the release binary, its man page and completions, then
# `cargo deb`. Prints the package's path on its last line. Used by .ci/interop.d/30-deb.sh
# and tests/interop/nspawn.sh; cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! cargo deb --version >/dev/null 2>&1; then
    started=$SECONDS
    cargo install cargo-deb --locked >&2
    echo "cargo-deb installed in $((SECONDS - started))s" >&2
fi

cargo build --release --locked >&2
binary=target/release/followup
mkdir -p target/assets
"$binary" man | gzip -9n >target/assets/followup.1.gz
"$binary" completions bash >target/assets/followup.bash
"$binary" completions zsh >target/assets/_followup
"$binary" completions fish >target/assets/followup.fish
if ! zcat target/assets/followup.1.gz | grep -q '^\.TH FOLLOWUP 1'; then
    echo "FAIL: the man page has no .TH line" >&2
    exit 1
fi

rm -f target/debian/followup_*.deb
cargo deb --no-build --locked >&2
ls target/debian/followup_*.deb
