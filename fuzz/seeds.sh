#!/usr/bin/env bash
# Writes the seed corpora for the fuzz targets into OUT/config and OUT/import, from the
# configurations and letters already in the repository. One config seed is a main file,
# then each commitments file after a NUL byte (see src/lib.rs).
set -euo pipefail
out=${1:?usage: fuzz/seeds.sh OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/config" "$out/import"
n=0
seed_dir() {   # DIR holding followup.toml and maybe commitments/*.toml
    local dir=$1 file
    n=$((n + 1))
    {
        cat "$dir/followup.toml"
        for file in "$dir"/commitments/*.toml; do
            [ -e "$file" ] || continue
            printf '\0'
            cat "$file"
        done
    } >"$out/config/$(printf '%03d' "$n")-$(basename "$dir")"
}
seed_dir "$root/config"
{ cat "$root/packaging/followup.toml"; printf '\0'; cat "$root/packaging/commitments/example.toml"; } \
    >"$out/config/000-packaging"
for dir in "$root"/tests/configs/*/*/; do
    [ -e "$dir/followup.toml" ] && seed_dir "${dir%/}"
done
for letter in "$root"/tests/letters/*.txt; do
    cp "$letter" "$out/import/$(basename "$letter")"
done
echo "seeds: $(ls "$out/config" | wc -l) configurations, $(ls "$out/import" | wc -l) letters in $out"
