"""Run wrk and say where the CPU went: per request, by process group.

Usage: python benchmarks/cpu_per_request.py OUTPUT -- wrk ARGS...

wrk's own output goes to OUTPUT, followed by one line, read by
wrk_summary.py, such as:

    CPU per request (ms): server 3.31, postgres 1.12, redis 0.05, wrk 0.21, other 0.04; busy 99 %

It reads every process's CPU time from /proc before and after the run (the
load generator's from getrusage), so that a benchmark's figure comes with
what the request cost. With two cores saturated, req/s is two seconds over
the sum of these.
"""

import os
import re
import resource
import subprocess
import sys
from collections import Counter

TICK = os.sysconf("SC_CLK_TCK")


def group(pid: str) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/comm") as handle:
            comm = handle.read().strip()
    except OSError:
        return None
    if "gunicorn" in cmdline:
        return "server"
    if comm.startswith("postgres") or cmdline.startswith("postgres"):
        return "postgres"
    if comm.startswith("redis-server"):
        return "redis"
    return "other"


def cpu_by_group() -> Counter[str]:
    seconds: Counter[str] = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = group(pid)
        if name is not None:
            seconds[name] += (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    return seconds


def machine() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        ticks = [int(x) for x in handle.readline().split()[1:8]]
    return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait


def main() -> None:
    output, command = sys.argv[1], sys.argv[sys.argv.index("--") + 1 :]
    before, (all0, idle0) = cpu_by_group(), machine()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, (all1, idle1) = cpu_by_group(), machine()
    spent = Counter({k: after[k] - before[k] for k in after})  # a process that ended is missed
    spent["wrk"] = (children1.ru_utime + children1.ru_stime) - (
        children0.ru_utime + children0.ru_stime
    )
    found = re.search(r"(\d+) requests in", text)
    requests = int(found.group(1)) if found else 0
    per = {k: 1000 * max(v, 0.0) / max(requests, 1) for k, v in spent.items()}
    busy = 100 * (1 - (idle1 - idle0) / max(all1 - all0, 1))
    shown = ", ".join(
        f"{k} {per.get(k, 0.0):.2f}" for k in ("server", "postgres", "redis", "wrk", "other")
    )
    with open(output, "w") as out:
        out.write(text + f"CPU per request (ms): {shown}; busy {busy:.0f} %\n")


if __name__ == "__main__":
    main()
