"""Benchmark of the exports on the atlas in geodata/: time and peak memory of each format for
three dates, and of the animation. Prints a table.

    make bench-exports      (or: .venv/bin/python bench/exports.py [--repeat N])

Each export runs in a fresh process after the atlas is loaded, so its peak memory is its own:
"peak RSS" is the process's resident-set high-water mark, "added" is how far the export raised
it above the loaded atlas. Times are medians over the repeats, without loading the atlas.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATES = ("1993-11-01", "2020-11-10", "2023-10-01")
FORMATS = ("png", "svg", "pdf", "html", "geojson")

ONE = """
import datetime as dt, json, resource, sys, time
from nkmap.atlas.catalog import load_atlas
from nkmap.maps.export import animation, export
from nkmap.atlas.timeline import change_dates
fmt, day, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
atlas = load_atlas()
changes = change_dates(atlas)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times, size = [], 0
for _ in range(repeat):
    t = time.perf_counter()
    if fmt == "gif":
        size = len(animation(atlas, changes))
    else:
        size = len(export(atlas, changes, dt.date.fromisoformat(day), fmt))
    times.append(time.perf_counter() - t)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
doc = {"times": times, "before_kb": before, "after_kb": after, "bytes": size}
print(json.dumps({**doc, "dates": len(changes)}))
"""


def measure(fmt: str, day: str, repeat: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", ONE, fmt, day, str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per export (default 3)")
    args = parser.parse_args()
    rows = []
    for fmt in FORMATS:
        for day in DATES:
            rows.append((fmt, day, measure(fmt, day, args.repeat)))
    gif = measure("gif", DATES[0], 1)
    # Drawn on every core: the peak memory is the parent's, each drawing process has its own.
    rows.append(("gif", f"all {gif['dates']:.0f} dates, every core", gif))
    print("nkmap export benchmark (median time without loading the atlas; peak memory)")
    print("| format | date | time | size | peak RSS | added by the export |")
    print("|---|---|---|---|---|---|")
    for fmt, day, r in rows:
        print(
            f"| {fmt} | {day} | {statistics.median(r['times']):.2f} s | "
            f"{r['bytes'] / 1024:,.0f} KiB | {r['after_kb'] / 1024:,.0f} MiB | "
            f"{(r['after_kb'] - r['before_kb']) / 1024:,.0f} MiB |"
        )


if __name__ == "__main__":
    main()
