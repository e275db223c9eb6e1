#!/usr/bin/env python3
"""The executable's hot code: the functions the idle daemon runs, placed side by side.

The kernel maps an executable's code in 64 KiB fault-around windows around each page
touched. Left in the linker's default order (crate by crate, codegen unit by codegen unit),
the ~1.8 MB of functions that start-up, the first pass and an idle wake run lay spread
over most of the 11 MB of `.text`, and the idle example daemon kept 7 MiB of code resident.
`link/hot-text.ld` lists those functions; `build.rs` hands it to the linker for release
builds linked by LLD, which places them at the start of `.text`.

Each function is listed twice, by its section name (`.text.<symbol>`, or
`.text.unlikely.<symbol>` for one marked cold):
  1. exactly, which places precisely the functions that ran;
  2. as a pattern, with what a compiler or dependency update changes replaced by `*` (the
     hash of Rust's legacy mangling, the crate disambiguators and back-references of the
     standard library's v0 mangling, LLVM's `.llvm.<number>` suffixes). When the exact
     names go stale, the patterns still gather the same functions, with the other
     instances of a generic function (`Vec<T>::push` for every T) among them.
The linker takes each section for the first line that matches it, so the exact tier comes
first and the patterns catch the rest. A function added or renamed later only stays in the
ordinary part of `.text` until the list is made again: the list changes where code lies,
never what it does.

    hot-text.py generate [BINARY]  run BINARY (default target/release/followup) on the
                                   packaged example under callgrind (start-up, the first
                                   pass, an idle wake, a stop; then a restart on that log)
                                   and write link/hot-text.ld
    hot-text.py check [BINARY]     how much of the list BINARY still matches, and whether
                                   the listed functions lie together; fails when under 80 %
                                   of the patterns match or they are not together

Needs valgrind for `generate` only.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "link", "hot-text.ld")
sys.path.insert(0, os.path.join(ROOT, "benches"))
from example_config import example_config  # noqa: E402
LEGACY_HASH = re.compile(r"17h[0-9a-f]{16}E")
LLVM_SUFFIX = re.compile(r"\.llvm\.[0-9]+$")
V0_CRATE = re.compile(r"Cs[0-9A-Za-z]+_")
V0_BACKREF = re.compile(r"B[0-9A-Za-z]*_")
HEADER = """\
/* The functions the idle daemon runs (start-up, the first pass, an idle wake), placed
 * side by side at the start of .text so that they share few pages: first by their exact
 * names, then by patterns that outlive a compiler or dependency update.
 * Made by tools/hot-text/hot-text.py generate; read by build.rs for release builds.
 * A function missing here only lands further on in .text: this list affects the
 * resident memory, never the behaviour. */
"""
MINIMUM_MATCHED = 0.80


def pattern(symbol):
    """The symbol with what a compiler or dependency update changes replaced by `*`."""
    symbol = LLVM_SUFFIX.sub(".llvm.*", symbol)
    if symbol.startswith("_R"):
        return V0_BACKREF.sub("B*_", V0_CRATE.sub("Cs*_", symbol))
    return LEGACY_HASH.sub("17h*E", symbol)


def text_symbols(binary, with_addresses=False):
    """Function symbols of the binary: name to size, or to (address, size)."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary],
                         capture_output=True, text=True, check=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in "tTwW":
            size = int(fields[1], 16)
            symbols[fields[3]] = (int(fields[0], 16), size) if with_addresses else size
    return symbols


def executed(callgrind_out, binary_name):
    """Names of the functions in the binary that callgrind saw run."""
    names, objects, current, seen = {}, {}, None, set()
    line_re = re.compile(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
    with open(callgrind_out, errors="replace") as file:
        for line in file:
            match = line_re.match(line.rstrip("\n"))
            if not match:
                continue
            kind, key, name = match.groups()
            table = objects if kind.endswith("ob") else names
            if name:
                table[key] = name
            if kind == "ob":
                current = objects[key]
            elif kind == "fn" and current and os.path.basename(current) == binary_name:
                seen.add(names[key])
    return seen


def generate(binary):
    """Runs the daemon twice under callgrind on the packaged example: from an empty state
    directory (start-up, the first notices, an idle wake) and again on the log that run
    left (a restart: what a service mostly is), and lists what either ran."""
    work = tempfile.mkdtemp(prefix="hot-text-")
    run = set()
    try:
        config = example_config(work)
        for number in (1, 2):
            out = os.path.join(work, f"callgrind.{number}")
            process = subprocess.Popen(
                ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
                 binary, "--config", config, "run"],
                cwd=os.path.dirname(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The daemon wakes at least once a minute when idle.
            time.sleep(75)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
            run |= executed(out, os.path.basename(binary))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    symbols = text_symbols(binary)
    exact = sorted(name for name in run if name in symbols)
    patterns = sorted({pattern(name) for name in exact} - set(exact))
    if len(exact) < 100:
        sys.exit(f"hot-text: only {len(exact)} functions seen running; is {binary} a release build?")
    os.makedirs(os.path.dirname(SCRIPT), exist_ok=True)
    with open(SCRIPT, "w") as file:
        file.write(HEADER)
        file.write("SECTIONS {\n  .text : {\n")
        for name in exact + patterns:
            # A function marked cold (`#[cold]`: `RawVec::grow_one`, panics' paths) has its
            # section under `.text.unlikely.`; the first call of it still runs.
            file.write(f"    *(.text.{name} .text.unlikely.{name})\n")
        file.write("  }\n} INSERT BEFORE .init;\n")
    size = sum(symbols[name] for name in exact)
    print(f"hot-text: {len(exact)} functions run ({size / 1e6:.2f} MB) and {len(patterns)} "
          f"patterns for them written to {SCRIPT}")


def listed():
    with open(SCRIPT) as file:
        return [m.group(1) for m in re.finditer(r"^\s*\*\(\.text\.(\S+) ", file.read(), re.M)]


def text_start(binary):
    sections = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True,
                              check=True).stdout
    match = re.search(r"\]\s+\.text\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", sections)
    if not match:
        sys.exit(f"hot-text: {binary} has no .text section")
    return int(match.group(1), 16), int(match.group(2), 16)


def check(binary):
    lines = listed()
    exact = {line for line in lines if "*" not in line}
    patterns = {pattern(line) for line in lines}
    symbols = text_symbols(binary, with_addresses=True)
    by_pattern = {}
    for name, (address, size) in symbols.items():
        by_pattern.setdefault(pattern(name), []).append((address, size))
    matched = patterns & by_pattern.keys()
    exact_found = exact & symbols.keys()
    # Where the listed functions lie: all of them should be in one block at the start of
    # .text, as long as the bytes they take.
    start, _ = text_start(binary)
    placed = sorted({entry for key in matched for entry in by_pattern[key]})
    total = sum(size for _, size in placed)
    inside = sum(size for address, size in placed if address < start + total * 1.05 + 65536)
    share = len(matched) / len(patterns) if patterns else 0
    print(f"hot-text: {binary}: {len(exact_found)} of {len(exact)} listed functions by exact "
          f"name, {len(matched)} of {len(patterns)} by pattern ({share:.0%}); they take "
          f"{total / 1e6:.2f} MB, {inside / total if total else 0:.0%} of it in the first "
          f"{(total * 1.05 + 65536) / 1e6:.2f} MB of .text")
    if share < MINIMUM_MATCHED:
        sys.exit(f"hot-text: under {MINIMUM_MATCHED:.0%} of the list matches: "
                 "run tools/hot-text/hot-text.py generate")
    if total == 0 or inside < 0.9 * total:
        sys.exit("hot-text: the listed functions are not together at the start of .text: "
                 "was link/hot-text.ld given to the linker (build.rs)?")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("generate", "check"):
        sys.exit(__doc__)
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target", "release", "followup")
    (generate if sys.argv[1] == "generate" else check)(os.path.abspath(binary))


if __name__ == "__main__":
    main()
