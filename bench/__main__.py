"""Run the benchmarks: ``python -m bench [NAME ...]`` (``make bench``).

Prints a table and writes ``bench/results.json``. Figures are comparable only within one run
on one machine: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import definitions
from bench.report import Figure, print_table

BENCHMARKS: dict[str, Callable[[], list[Figure]]] = {
    "definitions": definitions.run,
}

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    figures: list[Figure] = []
    for name in names:
        figures.extend(BENCHMARKS[name]())
    print_table(figures)
    RESULTS.write_text(
        json.dumps(
            {
                "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "figures": [figure.as_dict() for figure in figures],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"\nwritten {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
