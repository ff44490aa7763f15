"""Definitions: load, validate and compile the default pack; read the compiled set from cache.

Figures: parse (YAML → documents with positions), validate (schema + semantic), compile
(conditions, templates), the three together, a cold ``compiled_active_set`` (read the active
revisions from the database and compile) and a warm one (one indexed read of the generation).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.report import Figure, summary, timings_ms
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import clear_compiled_cache, compiled_active_set, install_pack
from gongdan.definitions.validate import validate_pack
from gongdan.migrations import upgrade_database

DEFAULT_PACK = Path(__file__).resolve().parents[1] / "definitions" / "after_sales"
NAME = "definitions"


def _validate_and_compile() -> None:
    pack = load_pack(DEFAULT_PACK)
    problems = validate_pack(pack)
    if any(p.severity == "error" for p in problems):
        raise SystemExit(f"the default pack does not validate: {problems[0].format()}")
    compile_definitions(pack.definitions, validate=False)


def run() -> list[Figure]:
    """Measure the definitions engine on the default pack."""
    pack = load_pack(DEFAULT_PACK)
    count = len(pack.definitions)
    note = f"{count} definitions"
    figures: list[Figure] = []
    figures += summary(NAME, "parse", timings_ms(lambda: load_pack(DEFAULT_PACK), repeat=15), note)
    figures += summary(NAME, "validate", timings_ms(lambda: validate_pack(pack), repeat=15), note)
    figures += summary(
        NAME,
        "compile",
        timings_ms(lambda: compile_definitions(pack.definitions, validate=False), repeat=15),
        note,
    )
    figures += summary(
        NAME, "parse+validate+compile", timings_ms(_validate_and_compile, repeat=15), note
    )

    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{folder}/bench.sqlite3")
        upgrade_database(engine)
        with Session(engine) as session:
            install_pack(session, pack, author="bench")

            def cold() -> None:
                clear_compiled_cache()
                compiled_active_set(session)

            figures += summary(NAME, "active set, cold", timings_ms(cold, repeat=10), note)
            compiled_active_set(session)

            def cached() -> None:
                session.rollback()  # a new request's transaction: it reads the generation once
                compiled_active_set(session)

            figures += summary(
                NAME,
                "active set, cached",
                timings_ms(cached, repeat=200),
                "a new transaction: one read of the generation",
            )
        engine.dispose()
    return figures
