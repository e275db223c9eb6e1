#!/usr/bin/env bash
# Regenerates the format fixtures of tests/letters/formats/ from their .txt letters and
# checks that every format drafts the same commitments as the text:
#   .docx and .pdf by LibreOffice (headless), .ofd by make-ofd.py, GBK and UTF-16 text by iconv,
#   an HTML page wrapped in navigation, and an image-only PDF that must be refused clearly.
# Usage: letters-formats.sh [OUT_DIR]   (default: a temporary folder; pass
#   tests/letters/formats to refresh the committed fixtures).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
bin=target/debug/followup
cargo build --locked --quiet
letters=(000_0793bff3c028bd39 01-hubei-wjw-xianning-health 03-neimenggu-wjw-mongolian-medicine)
for name in "${letters[@]}"; do
    src=tests/letters/$name.txt
    soffice --headless --convert-to 'docx:MS Word 2007 XML' --infilter='Text (encoded):UTF8,,,' --outdir "$out" "$src" >/dev/null 2>&1
    soffice --headless --convert-to pdf --infilter='Text (encoded):UTF8,,,' --outdir "$out" "$src" >/dev/null 2>&1
    python3 tests/interop/make-ofd.py "$src" "$out/$name.ofd"
    iconv -f UTF-8 -t GB18030 "$src" >"$out/$name.gbk.txt"
    iconv -f UTF-8 -t UTF-16 "$src" >"$out/$name.utf16.txt"
    {
        echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>答复_政府网站</title></head><body>'
        echo '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/hd">互动交流</a></li><li><a href="/bs">办事服务</a></li></ul></div>'
        echo '<div class="content">'
        grep -v '^#' "$src" | sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/^/<p>/; s/$/<\/p>/'
        echo '</div><div class="footer"><a href="/map">网站地图</a> 主办单位：某某人民政府办公室</div></body></html>'
    } >"$out/$name.html"
done
python3 tests/interop/make-scanned-pdf.py "$out/scanned.pdf"
fail=0
for name in "${letters[@]}"; do
    want=$("$bin" -c /nonexistent import --json "tests/letters/$name.txt" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([(c["owner"], c["co_owners"], c["due"], c["text"]) for c in d["commitments"]], ensure_ascii=False))')
    for f in "$out/$name".{docx,pdf,ofd,gbk.txt,utf16.txt,html}; do
        got=$("$bin" -c /nonexistent import --json "$f" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([(c["owner"], c["co_owners"], c["due"], c["text"]) for c in d["commitments"]], ensure_ascii=False))') || got="(import failed)"
        if [ "$got" = "$want" ]; then echo "ok   $f"; else echo "DIFF $f"; echo "  want $want"; echo "  got  $got"; fail=1; fi
    done
done
if "$bin" -c /nonexistent import "$out/scanned.pdf" 2>"$out/scanned.err"; then echo "FAIL: a scanned pdf was accepted"; fail=1; fi
grep -q "no text layer" "$out/scanned.err" && echo "ok   scanned.pdf refused: $(tail -1 "$out/scanned.err")" || { cat "$out/scanned.err"; fail=1; }
exit $fail
