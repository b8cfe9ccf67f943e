"""Read wrk --latency output: requests/s and p50/p99, and compare with the ceiling."""

import re
import sys


def parse(path: str) -> dict[str, float]:
    with open(path) as handle:
        text = handle.read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    cpu = re.search(r"^CPU per request \(ms\): (.*)$", text, re.M)  # cpu_per_request.py
    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "cpu": cpu.group(1) if cpu else "",
    }


def name(path: str) -> str:
    return path.split("bench-")[1][:-4]


if sys.argv[1] in ("--rounds", "--reference-rounds"):
    # Rounds of (ceiling, redemption) run back to back: the machine's speed
    # drifts by tens of percent within minutes here, so each redemption run is
    # compared with the ceiling run just before it, and the median decides.
    ratios = []
    for pair in sys.argv[2:]:
        ceiling, page = (parse(path) for path in pair.split(":"))
        ratio = page["p99"] / ceiling["p99"]
        ratios.append((ratio, page["rps"] / ceiling["rps"], page["errors"]))
        print(
            f"  round {len(ratios)}: ceiling {ceiling['rps']:5.0f} req/s"
            f" p99 {ceiling['p99']:6.1f} ms;"
            f" {name(pair.split(':')[1]):<14} {page['rps']:5.0f} req/s p99 {page['p99']:6.1f} ms"
            f" → {ratio:.2f}×, errors {page['errors']}"
        )
        for label, run in (("ceiling", ceiling), ("redemption", page)):
            if run["cpu"]:
                print(f"           {label:<10} CPU per request (ms): {run['cpu']}")
    # The redemption's target (issue #14): a durable write of several tables
    # against a bare read, so ≥ 40 % of the ceiling's req/s and a median p99
    # ≤ 2.5× its p99, with no errors.
    median = sorted(r for r, _s, _e in ratios)[len(ratios) // 2]
    share = sorted(s for _r, s, _e in ratios)[len(ratios) // 2]
    ok = median <= 2.5 and share >= 0.4 and not any(e for _r, _s, e in ratios)
    verdict = f"{'PASS' if ok else 'FAIL'} (≥ 40 % of its req/s, p99 ≤ 2.5×, no errors)"
    if sys.argv[1] == "--reference-rounds":  # not the product: no target to pass
        verdict = f"would {verdict}"
    print(f"  median p99 {median:.2f}× the ceiling's (median req/s {share:.2f}× its) → {verdict}")
elif sys.argv[1] in ("--compare", "--compare-varied"):
    # Pages: ≥ 50 % of the ceiling's req/s and p99 ≤ 1.5× the ceiling's.
    # Pages as visitors vary them (issue #15): ≥ 40 % and p99 ≤ 2×, no errors.
    share_min, ratio_max = (0.5, 1.5) if sys.argv[1] == "--compare" else (0.4, 2.0)
    ceiling = parse(sys.argv[2])
    for path in sys.argv[3:]:
        page = parse(path)
        share = page["rps"] / ceiling["rps"]
        ratio = page["p99"] / ceiling["p99"]
        ok = share >= share_min and ratio <= ratio_max and not page["errors"]
        print(
            f"  {name(path):<16} {share:6.0%} of the ceiling's req/s, "
            f"p99 {ratio:.2f}× the ceiling's  → {'PASS' if ok else 'FAIL'}"
            f" (≥ {share_min:.0%}, ≤ {ratio_max}×, no errors)"
        )
        if page["cpu"]:
            print(f"  {'':<16} CPU per request (ms): {page['cpu']}")
else:
    r = parse(sys.argv[2])
    print(
        f"  {sys.argv[1]:<12} {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  "
        f"p99 {r['p99']:6.1f} ms  errors {r['errors']}"
    )
    if r["cpu"]:
        print(f"  {'':<12} CPU per request (ms): {r['cpu']}")
