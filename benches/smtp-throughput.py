#!/usr/bin/python3
"""SMTP sending throughput, side by side in one run, against Postfix's smtp-sink on loopback.

For each N (default 2,000 and 8,000) it times, one after the other against the same sink:
  * smtp-source -s 4 (Postfix's load generator, same message size, no log): the ceiling;
  * followup run --once: N digest emails (N departments, one commitment each, first notices),
    4 connections, the delivery log on disk (SQLite WAL, synchronous=FULL);
  * a Python smtplib loop (one connection, sendmail per message, no log).
Then CPU time per email of `followup run --once` (user + system, whole process) for
N = 500 … 8,000, to show it stays flat.

    /usr/bin/python3 benches/smtp-throughput.py [--sizes 2000,8000] [--cpu-sizes 500,…]

Needs smtp-sink and smtp-source (Debian package postfix; see README, "Benchmarks"). Runs the
release build (`cargo build --release --locked` first unless --no-build). Everything stays on
127.0.0.1. Figures depend on the machine and on what else runs; compare the rows of one run.
"""

import argparse
import os
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLLOWUP = ROOT / "target" / "release" / "followup"
SESSIONS = 4


def tool(name):
    path = shutil.which(name) or f"/usr/sbin/{name}"
    if not os.access(path, os.X_OK):
        sys.exit(
            f"{name} not found: install Postfix's tools (apt-get install postfix; see README, Benchmarks)"
        )
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"smtp-sink did not start on port {port}")


def workspace(root, port, count, transport="smtp"):
    """A configuration with `count` departments, one commitment each: `count` digest emails."""
    (root / "commitments").mkdir(parents=True, exist_ok=True)
    departments = "".join(
        f'[departments."d{i}"]\nname = "吉林省第{i}厅"\nto = ["d{i}@example.gov.cn"]\n'
        for i in range(count)
    )
    (root / "followup.toml").write_text(
        f"""timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]
[mail]
from = "督办室 <duban@example.gov.cn>"
admin = ["ops@example.gov.cn"]
transport = "{transport}"
host = "127.0.0.1"
port = {port}
tls = "none"
[schedule]
remind = "0 9 1 1 *"
skip_holidays = false
digest = true
{departments}""",
        encoding="utf-8",
    )
    commitments = "".join(
        f'[[commitment]]\nid = "b{i}"\nowner = "d{i}"\ntopic = "强化通用人工智能技术的创新能力"\n'
        f'text = "持续组织实施人工智能领域科技攻关，推进第二批聚力攻坚专项取得技术突破。"\ndue = 2026-12-31\n'
        for i in range(count)
    )
    (root / "commitments" / "bench.toml").write_text(
        '[letter]\nid = "bench"\ntitle = "关于推动我省通用人工智能产业发展的建议"\nreplied_on = 2025-05-23\n'
        + commitments,
        encoding="utf-8",
    )
    return root


def followup_message(scratch):
    """One digest email exactly as followup sends it (written by the file transport)."""
    root = workspace(scratch / "sample", 25, 1, transport="file")
    subprocess.run([FOLLOWUP, "--config", root / "followup.toml", "run", "--once"], check=True,
                   env={**os.environ, "RUST_LOG": "warn"})
    eml = next((root / "state" / "outbox").glob("*.eml"))
    return eml.read_bytes()


def run_followup(scratch, port, count, tag):
    root = workspace(scratch / f"followup-{tag}-{count}", port, count)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([FOLLOWUP, "--config", root / "followup.toml", "run", "--once"],
                            env={**os.environ, "RUST_LOG": "warn"}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"followup run --once failed ({result.returncode}):\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    shutil.rmtree(root, ignore_errors=True)
    return seconds, cpu


def run_smtp_source(source, port, count, size):
    start = time.perf_counter()
    subprocess.run([source, "-s", str(SESSIONS), "-m", str(count), "-l", str(size),
                    f"127.0.0.1:{port}"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_smtplib(port, count, message):
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for i in range(count):
            client.sendmail("duban@example.gov.cn", [f"d{i}@example.gov.cn"], message)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,8000")
    parser.add_argument("--cpu-sizes", default="500,1000,2000,4000,8000")
    parser.add_argument("--no-build", action="store_true")
    arguments = parser.parse_args()
    sizes = [int(n) for n in arguments.sizes.split(",")]
    cpu_sizes = [int(n) for n in arguments.cpu_sizes.split(",") if n]
    sink, source = tool("smtp-sink"), tool("smtp-source")
    if not arguments.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)

    # The ledger lives on disk, not on a tmpfs.
    scratch = Path(tempfile.mkdtemp(prefix="followup-bench-", dir="/var/tmp"))
    port = free_port()
    sink_command = [sink, f"127.0.0.1:{port}", "256"]
    if os.geteuid() == 0:
        sink_command[1:1] = ["-u", "nobody"]
    sink_process = subprocess.Popen(sink_command)
    try:
        wait_listening(port)
        message = followup_message(scratch)
        size = len(message)
        print(f"smtp-sink on 127.0.0.1:{port}; message {size} bytes; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.1f}")
        print()
        print(f"{'sender':<52} {'emails':>7} {'seconds':>8} {'emails/s':>9} {'vs smtp-source':>15}")
        for count in sizes:
            source_seconds = run_smtp_source(source, port, count, size)
            followup_seconds, _ = run_followup(scratch, port, count, "rate")
            smtplib_seconds = run_smtplib(port, count, message)
            rows = [
                (f"smtp-source -s {SESSIONS} (no log)", source_seconds),
                (f"followup run --once ({SESSIONS} connections, log on disk)", followup_seconds),
                ("Python smtplib loop (1 connection, no log)", smtplib_seconds),
            ]
            source_rate = count / source_seconds
            for name, seconds in rows:
                rate = count / seconds
                print(f"{name:<52} {count:>7} {seconds:>8.2f} {rate:>9.0f} {rate / source_rate:>14.0%}")
        if cpu_sizes:
            print()
            print(f"{'followup run --once, whole process':<40} {'emails':>7} {'CPU s':>7} {'CPU ms/email':>13}")
            for count in cpu_sizes:
                _, cpu = run_followup(scratch, port, count, "cpu")
                print(f"{'':<40} {count:>7} {cpu:>7.2f} {1000 * cpu / count:>13.3f}")
    finally:
        sink_process.terminate()
        sink_process.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
