#!/usr/bin/env python3
"""The scale benchmark: one table, every ratio measured side by side in the same run.

    python3 benches/scale.py            # 10^3/10^4/10^5, daemons idle 120 s, 3 repetitions
    python3 benches/scale.py --smoke    # CI: tiny sizes, debug build, 3 s idle; checks it runs
    python3 benches/scale.py --views    # only the views beside `check` at 10^5 (a few minutes)

Rows: `followup check` beside a bare `toml` parse of the same files (`examples/toml-parse.rs`)
at each size; `list`, `list --json` and `plan --days 30` beside `check` at the largest size;
daemon RSS, idle CPU and thread wakeups (voluntary + involuntary context switches of all
threads, from /proc) at the two largest sizes, beside Debian's prometheus-alertmanager
holding the same number of active alerts (when installed: `apt-get install
prometheus-alertmanager`), and tokio-cron-scheduler with one job per commitment
(`benches/cron-peer`: memory, idle CPU, and activations lost when thousands fire at once;
full run only). Configurations come from `examples/scale-gen.rs`. Times are
whole-process wall times from /usr/bin/time-like accounting (os.wait4), medians of the
repetitions; ratios are medians of per-repetition ratios, each pair run back to back.
Needs Linux (/proc) and python3; nothing else.
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from example_config import example_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPTIONS = {"--smoke", "--views"}
if any(arg not in OPTIONS for arg in sys.argv[1:]):
    sys.exit(__doc__)
SMOKE = "--smoke" in sys.argv
# Only the rows of `list`, `list --json` and `plan --days 30` beside `check` (largest size).
VIEWS = "--views" in sys.argv
SIZES = [100, 300, 600] if SMOKE else [1_000, 10_000, 100_000]
if VIEWS:
    SIZES = SIZES[-1:]
REPEAT = 1 if SMOKE else int(os.environ.get("REPEAT", "3"))
IDLE = 3 if SMOKE else int(os.environ.get("IDLE", "120"))
PROFILE = "debug" if SMOKE else "release"
TICK = os.sysconf("SC_CLK_TCK")
# Views look from a fixed Monday morning, so the plan's volume does not depend on the day the
# benchmark runs (generated due dates fall in 2026).
AT = "2026-03-02T08:00:00+08:00"


def build():
    # The executable on its own, as the package builds it: built together with examples it
    # would get the features that dev-dependencies add to shared dependencies (lettre's SMTP
    # transport, more of tokio), which is not the program that is shipped.
    for targets in (["--bin", "followup"], ["--example", "scale-gen", "--example", "toml-parse"]):
        args = ["cargo", "build", "--locked", "--quiet"] + targets
        if PROFILE == "release":
            args.append("--release")
        subprocess.run(args, cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binaries = {
        "followup": os.path.join(target, PROFILE, "followup"),
        "gen": os.path.join(target, PROFILE, "examples", "scale-gen"),
        "parse": os.path.join(target, PROFILE, "examples", "toml-parse"),
    }
    if not SMOKE and not VIEWS:
        # The tokio-cron-scheduler peer is a package of its own (benches/cron-peer), built
        # only for the full run so that CI's smoke run stays under a minute.
        peer = os.path.join(ROOT, "benches", "cron-peer")
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=peer, check=True)
        binaries["cron"] = os.path.join(peer, "target", "release", "cron-peer")
    return binaries


def start_cron_peer(binary, count):
    """tokio-cron-scheduler with one weekly job per commitment, once all are added."""
    process = subprocess.Popen([binary, "idle", str(count)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    process.stdout.readline()
    return process


class Run:
    def __init__(self, wall, cpu, peak):
        self.wall, self.cpu, self.peak = wall, cpu, peak


def timed(args):
    """Runs a command to completion under /usr/bin/time (so the peak RSS is the command's,
    not the forked Python's): wall seconds, CPU seconds (user + system), peak RSS in MiB."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.monotonic()
        result = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name] + args,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            sys.exit(f"scale: `{' '.join(args)}` failed:\n{result.stderr.decode(errors='replace')}")
        user, system, peak = report.read().split()[-3:]
    return Run(elapsed, float(user) + float(system), int(peak) / 1024)


def median(values):
    return statistics.median(values)


def describe(runs):
    return (f"{seconds(median([run.wall for run in runs]))} wall, "
            f"{seconds(median([run.cpu for run in runs]))} CPU, "
            f"{median([run.peak for run in runs]):.0f} MiB peak")


def ratio(runs, baselines, baseline, goal):
    """Medians of per-repetition ratios, of CPU time (steadier than wall time on a shared
    machine) and of wall time."""
    wall = median([run.wall / base.wall for run, base in zip(runs, baselines)])
    # CPU time is counted in clock ticks: below a few ticks a ratio of it means nothing.
    if min(base.cpu for base in baselines) < 5 / TICK:
        return f"CPU below the clock tick, {wall:.2f}× {baseline} in wall time ({goal})"
    cpu = median([run.cpu / base.cpu for run, base in zip(runs, baselines)])
    return f"{cpu:.2f}× {baseline} in CPU, {wall:.2f}× in wall time ({goal})"


def seconds(value):
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def threads_switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as status:
                for line in status:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def settle(pid, limit=300):
    """Waits until the process's start-up work is done: two seconds in a row using at most
    one clock tick each (a scheduler that ticks twice a second is never fully quiet)."""
    deadline = time.monotonic() + limit
    last, quiet = cpu_ticks(pid), 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(1)
        now = cpu_ticks(pid)
        quiet = quiet + 1 if now - last <= 1 else 0
        last = now


def start_followup(binary, config, log):
    """The daemon, logging each pass's duration (`pass took …`) to `log`."""
    env = dict(os.environ, RUST_LOG="warn,followup::daemon=debug")
    env.pop("NOTIFY_SOCKET", None)
    env.pop("WATCHDOG_USEC", None)
    with open(log, "w") as file:
        return subprocess.Popen([binary, "-c", config, "run"], env=env,
                                stdout=subprocess.DEVNULL, stderr=file)


def pass_times(log, skip):
    """The durations of the passes logged after the first `skip`, in milliseconds."""
    units = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1000.0}
    times = []
    with open(log, errors="replace") as file:
        for line in file:
            match = re.search(r"pass took ([0-9.]+)(ns|µs|us|ms|s);", line)
            if match:
                times.append(float(match.group(1)) * units[match.group(2)])
    return times[skip:]


def start_alertmanager(work, count, port):
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        return None
    folder = os.path.join(work, f"alertmanager-{count}")
    os.makedirs(folder, exist_ok=True)
    config = os.path.join(folder, "alertmanager.yml")
    with open(config, "w") as file:
        file.write("route:\n  receiver: none\n  group_by: [department]\nreceivers:\n  - name: none\n")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.path={folder}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v2/alerts"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86_400))
    batch = 1_000
    for first in range(0, count, batch):
        alerts = [{
            "labels": {"alertname": "commitment", "id": f"gen-{index}",
                       "department": f"dept{index % 100}"},
            "annotations": {"text": "持续组织实施相关领域科技攻关和产业培育，推进第二批聚力攻坚专项取得技术突破。"},
            "endsAt": ends,
        } for index in range(first, min(first + batch, count))]
        request = urllib.request.Request(url, data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=60).read()
    return process


def main():
    binaries = build()
    work = tempfile.mkdtemp(prefix="followup-scale-")
    processes = []
    try:
        rows = []
        configs = {}
        for size in SIZES:
            folder = os.path.join(work, str(size))
            subprocess.run([binaries["gen"], folder, str(size)], check=True)
            configs[size] = os.path.join(folder, "followup.toml")

        for size in [] if VIEWS else SIZES:
            config = configs[size]
            checks, parses = [], []
            for _ in range(REPEAT):
                checks.append(timed([binaries["followup"], "-c", config, "check"]))
                parses.append(timed([binaries["parse"], config]))
            rows.append((f"`check`, {size:,}", describe(checks), "bare `toml` parse " + describe(parses),
                         ratio(checks, parses, "the parse", "goal ≤ 1.5×")))

        largest = SIZES[-1]
        config = configs[largest]
        views = [("`list`", ["list"]), ("`list --json`", ["list", "--json"]),
                 ("`plan --days 30`", ["plan", "--days", "30"])]
        for name, args in views:
            checks, runs = [], []
            for _ in range(REPEAT):
                checks.append(timed([binaries["followup"], "-c", config, "check"]))
                runs.append(timed([binaries["followup"], "-c", config] + args + ["--at", AT]))
            rows.append((f"{name}, {largest:,}", describe(runs), "`check` " + describe(checks),
                         ratio(runs, checks, "`check`", "goal < 1 s and ≤ 1.2×")))

        # The first pass at each size (first notices for every commitment), on its own, then
        # the daemons on that log: all started together, settled, then watched over the same
        # idle window.
        for size in [] if VIEWS else SIZES[-2:]:
            once = timed([binaries["followup"], "-c", configs[size], "run", "--once"])
            rows.append((f"first pass (`run --once`), {size:,}", describe([once]),
                         "first notices for every open commitment", ""))
        if "cron" in binaries:
            # Every job firing on the same 10 s boundaries, watched for 65 s: activations the
            # schedule called for that never ran were lost.
            for size in SIZES[-2:]:
                result = subprocess.run([binaries["cron"], "burst", str(size), "65"],
                                        capture_output=True, text=True, check=True)
                ran, expected = map(int, result.stdout.split()[-2:])
                # Fewer than scheduled were lost; more means some ran twice for one moment.
                if ran <= expected:
                    verdict = f"{expected - ran:,} lost ({(expected - ran) / max(expected, 1) * 100:.1f} %)"
                else:
                    verdict = f"{ran - expected:,} more than scheduled (jobs run twice for one moment)"
                rows.append((f"tokio-cron-scheduler, {size:,} jobs firing at once", "",
                             f"{ran:,} activations ran in 65 s for {expected:,} scheduled", verdict))
        watched = []
        logs = {}
        for index, size in enumerate([] if VIEWS else SIZES[-2:]):
            logs[size] = os.path.join(work, f"daemon-{size}.log")
            process = start_followup(binaries["followup"], configs[size], logs[size])
            processes.append(process)
            watched.append((f"daemon idle, {size:,}", process, size, "followup"))
            alertmanager = start_alertmanager(work, size, 19_093 + index)
            if alertmanager is not None:
                processes.append(alertmanager)
                watched.append((f"Alertmanager, {size:,} alerts", alertmanager, size, "peer"))
            if "cron" in binaries:
                cron = start_cron_peer(binaries["cron"], size)
                processes.append(cron)
                watched.append((f"tokio-cron-scheduler, {size:,} weekly jobs", cron, size, "peer"))
        if not VIEWS:
            logs["example"] = os.path.join(work, "daemon-example.log")
            example = start_followup(binaries["followup"], example_config(work), logs["example"])
            processes.append(example)
            watched.append(("daemon idle, example config", example, 1, "followup"))
        for _, process, _, _ in watched:
            settle(process.pid)
        before = {process.pid: (cpu_ticks(process.pid), threads_switches(process.pid))
                  for _, process, _, _ in watched}
        passes_before = {key: len(pass_times(log, 0)) for key, log in logs.items()}
        if watched:
            time.sleep(IDLE)
        for name, process, _, kind in watched:
            if process.poll() is not None:
                sys.exit(f"scale: {name} exited early")
            ticks, switches = before[process.pid]
            cpu = (cpu_ticks(process.pid) - ticks) / TICK / IDLE * 100
            wakeups = (threads_switches(process.pid) - switches) / (IDLE / 60)
            goal = "" if kind == "peer" else (
                " (goal ≤ 10 MB)" if "example" in name else " (goal ≤ 60 MB)")
            idle = f"{wakeups:.1f} thread wakeups per 60 s"
            if kind == "followup":
                key = "example" if "example" in name else size
                times = pass_times(logs[key], passes_before[key])
                if times:
                    idle += f"; idle pass {median(times):.2f} ms (median of {len(times)})"
            rows.append((name, f"{rss_mib(process.pid):.1f} MiB RSS{goal}",
                         f"{cpu:.2f} % of a core over {IDLE} s", idle))

        kind = "smoke" if SMOKE else "views only" if VIEWS else "full"
        print(f"followup scale benchmark: {kind}, {PROFILE} build, "
              f"medians of {REPEAT}, {os.cpu_count()} CPUs")
        print()
        print("| what | followup | beside | ratio / idle |")
        print("| --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
