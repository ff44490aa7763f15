"""Run the benchmarks: ``python -m bench [NAME ...]`` (``make bench``).

Prints a table and writes ``bench/results.json``. Figures are comparable only within one run
on one machine: machines are shared and noisy. ``python -m bench generate TICKETS`` only tops
up the history database (``--backlog``: the SLA backlog database); ``--fresh`` drops the
benchmark databases first. The databases are PostgreSQL's (``BENCH_POSTGRES_URL``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import create, definitions, listing, reports, sweep
from bench.database import BACKLOG, HISTORY
from bench.report import Figure, print_table

BENCHMARKS: dict[str, Callable[[], list[Figure]]] = {
    "definitions": definitions.run,
    "list": listing.run,
    "create": create.run,
    "sla": sweep.run,
    "reports": reports.run,
}

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}; or generate N"
    )
    parser.add_argument("--fresh", action="store_true", help="drop the benchmark databases first")
    parser.add_argument("--backlog", action="store_true", help="generate: the SLA backlog")
    args = parser.parse_args(argv)
    if args.fresh:
        HISTORY.drop()
        BACKLOG.drop()
    if args.names[:1] == ["generate"]:
        return _generate(parser, args.names[1:], backlog=args.backlog)
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


def _generate(parser: argparse.ArgumentParser, rest: list[str], *, backlog: bool) -> int:
    from bench.generate import Shape, generate

    if len(rest) != 1 or not rest[0].replace("_", "").isdigit():
        parser.error("usage: python -m bench generate [--backlog] TICKETS")
    database, shape = (BACKLOG, Shape(open_backlog=True)) if backlog else (HISTORY, Shape())
    written = generate(database.ensure(), int(rest[0].replace("_", "")), shape)
    print(f"{database.name}: {written:,} tickets written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
