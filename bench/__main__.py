"""python -m bench [--scales 1 10] [--large] [--spark-scales 1 10] [--fresh] [--out docs] [--loop-repeats 3]"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
from pathlib import Path

from bench.run import DOCS, main, snapshot_figure


def cli() -> None:
    # stopped with SIGTERM: unwind as from Ctrl-C, so the stage's processes and the engine stop
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10], help="scale factors (default 1 10)")
    parser.add_argument("--large", action="store_true", help="add scale 100 (about 5M retail transactions)")
    parser.add_argument(
        "--spark-scales",
        type=float,
        nargs="*",
        default=[1, 10],
        help="scales also run on Apache Spark local[2] for the comparison (default 1 10)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop the runs of other scales from the last results")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of benchmarks.json and .md (default docs)")
    parser.add_argument(
        "--loop-repeats", type=int, default=3, help="builds of each analyst-loop command, warm and cold (default 3)"
    )
    args = parser.parse_args()
    scales = sorted(set(args.scales + ([100.0] if args.large else [])))
    args.out.mkdir(parents=True, exist_ok=True)
    results = main(scales, args.spark_scales, keep=not args.fresh, out=args.out, loop_repeats=args.loop_repeats)
    for c in results["comparison"]:
        print(
            f"scale {c['scale']:g}: Spark local[2] / Sail = {c['build_ratio']:.1f}x (dbt build), "
            f"{c['ingest_build_ratio']:.1f}x (ingest + build)"
        )
    for r in results["runs"]:
        idle = r.get("no_new_data_share_of_full_build")  # none in runs recorded before it was measured
        print(
            f"{r['engine']:16} scale {r['scale']:>5g}: main job {r['main_job_seconds']:.1f} s, "
            f"day 2 = {r['day2_share_of_full_build']:.0%} of the full build"
            + (f" (no new data: {idle:.0%})" if idle is not None else "")
            + f", peak RSS {r['peak_total_rss_mb']:.0f} MB"
        )
        for command, times in r.get("analyst_loop_seconds", {}).items():
            cold = r.get("analyst_loop_cold_seconds", {}).get(command, [0])
            print(
                f"{'':16} analyst loop `dbt {command}`: median {statistics.median(times):.1f} s warm, "
                f"{statistics.median(cold):.1f} s cold"
            )
        measured = r.get("snapshot_changed_keys")  # none in runs recorded before it was measured
        if measured and measured["share"] is not None:
            print(
                f"{'':16} `{measured['snapshot']}` alone, {measured['keys_changed']:.0%} of keys changed: "
                f"{snapshot_figure(measured)} of building it from scratch"
            )
    print(f"written: {args.out / 'benchmarks.md'}")


cli()
