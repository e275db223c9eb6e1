#!/usr/bin/env bash
# The board in a real browser: Debian's headless Chromium loads the board, a commitment page
# and a department page in Chinese and English from the daemon running on the shipped
# example, takes screenshots (target/board-screens/*.png; docs/board.png is one of these),
# dumps the DOM and checks it: CJK text present, every light shown, no console errors (CSP
# violations included). Installs chromium and fonts-noto-cjk when missing; cleans up.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
fi

cargo build --locked --quiet
followup="$PWD/target/debug/followup"
out="$PWD/target/board-screens"
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
port=18750
daemon=""
cleanup() {
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The shipped example with the board on a spare port, one commitment due in a week (yellow)
# and one done (grey); jl-2025-ai-3 is overdue (red) from 2026-12-01.
cp -r config/. "$work/"
python3 - "$work" "$port" <<'PY'
import datetime, re, sys
work, port = sys.argv[1], sys.argv[2]
main = open(work + "/followup.toml", encoding="utf-8").read()
main = main.replace('state_dir = "../state"', 'state_dir = "state"')
main, n = re.subn(r'^listen = "127\.0\.0\.1:8750"', 'listen = "127.0.0.1:%s"' % port, main, flags=re.M)
assert n == 1, "the shipped config enables the board on 127.0.0.1:8750"
open(work + "/followup.toml", "w", encoding="utf-8").write(main)
path = work + "/commitments/jl-2025-ai.toml"
text = open(path, encoding="utf-8").read()
soon = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
assert 'id = "jl-2025-ai-2"\n' in text
text = text.replace('id = "jl-2025-ai-2"\n', 'id = "jl-2025-ai-2"\ndue = %s\n' % soon, 1)
open(path, "w", encoding="utf-8").write(text)
PY
"$followup" --config "$work/followup.toml" done jl-2025-ai-5 >/dev/null
"$followup" --config "$work/followup.toml" check

"$followup" --config "$work/followup.toml" run >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 100); do
    grep -q "board listening" "$work/daemon.log" && break
    kill -0 "$daemon" || { cat "$work/daemon.log"; exit 1; }
    sleep 0.1
done
grep -q "board listening" "$work/daemon.log" || { cat "$work/daemon.log"; exit 1; }

base="http://127.0.0.1:$port"
dept=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("省科技厅"))')
pages=(
    "board-zh|/?lang=zh"
    "board-en|/?lang=en"
    "commitment-zh|/c/jl-2025-ai-3?lang=zh"
    "commitment-en|/c/jl-2025-ai-3?lang=en"
    "department-zh|/d/$dept?lang=zh"
    "department-en|/d/$dept?lang=en"
)
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars
        --enable-logging=stderr --v=0 --user-data-dir="$work/chrome")
for entry in "${pages[@]}"; do
    name=${entry%%|*}
    path=${entry#*|}
    timeout 120 "${chrome[@]}" --window-size=1280,1100 --screenshot="$out/$name.png" "$base$path" 2>>"$out/console.log" >/dev/null
    timeout 120 "${chrome[@]}" --dump-dom "$base$path" >"$out/$name.html" 2>>"$out/console.log"
done
timeout 120 "${chrome[@]}" --window-size=390,1400 --screenshot="$out/board-phone.png" "$base/?lang=zh" 2>>"$out/console.log" >/dev/null

python3 - "$out" <<'PY'
import os, re, sys
out = sys.argv[1]
def dom(name):
    return open(os.path.join(out, name + ".html"), encoding="utf-8").read()
problems = []
for name in ["board-zh", "board-en", "commitment-zh", "commitment-en", "department-zh", "department-en"]:
    text = dom(name)
    png = os.path.join(out, name + ".png")
    if not os.path.exists(png) or os.path.getsize(png) < 10_000:
        problems.append(f"{name}: no screenshot")
    if not re.search(r"[\u4e00-\u9fff]", text):
        problems.append(f"{name}: no CJK text in the DOM")
    if "<script" in text:
        problems.append(f"{name}: a script element")
board_zh, board_en = dom("board-zh"), dom("board-en")
for light in ["red", "yellow", "blue", "green", "grey"]:
    if f'data-light="{light}"' not in board_zh:
        problems.append(f"board: light {light} not shown")
for light in ["red", "yellow", "green", "grey"]:
    if f'<tr class="{light}">' not in board_zh:
        problems.append(f"board: no row with light {light}")
for needle, page in [("督办台账", board_zh), ("各单位办理情况", board_zh), ("Commitments board", board_en),
                     ("<svg", board_zh), ("承诺事项", board_zh)]:
    if needle not in page:
        problems.append(f"missing {needle!r}")
if "Overdue" not in dom("commitment-en") or "逾期" not in dom("commitment-zh"):
    problems.append("the commitment page does not say it is overdue")
if "省科技厅" not in dom("department-zh"):
    problems.append("the department page lacks its name")
console = open(os.path.join(out, "console.log"), encoding="utf-8", errors="replace").read()
# The pages have no script: any console message (an error, a CSP violation) is a problem.
errors = [line for line in console.splitlines() if ":CONSOLE" in line or "Content Security Policy" in line]
if errors:
    problems.append("console errors:\n" + "\n".join(errors[:20]))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("board DOM ok: 6 pages, CJK text, every light, no console errors; screenshots in", out)
PY
