"""Run every benchmark of the answering core and print the tables of BENCHMARKS.md.

.venv/bin/python benchmarks/run_all.py [--cpu 0]
"""

from __future__ import annotations

import argparse

import bench_ask
import bench_matching
from common import code_version, load, machine, markdown_table, pin_to_one_core


def main() -> None:
    parser = argparse.ArgumentParser(description="answering-core benchmarks (a), (b) and (c)")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    args = parser.parse_args()
    described = machine()
    print(f"machine: {described}; {pin_to_one_core(cpu=args.cpu)}; {load()}")
    print(code_version())
    latency = bench_matching.run()
    throughput = bench_ask.run()
    print()
    print(markdown_table(bench_matching.HEADERS, latency))
    print()
    print(markdown_table(bench_ask.HEADERS, throughput))
    print(f"\nafter the runs: {load()}")


if __name__ == "__main__":
    main()
