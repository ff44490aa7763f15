"""``gongdan pack``: validate, install, test and export definition packs.

``validate`` and ``test`` are pure — they load files and report problems, one per line as
``FILE:LINE:COL: $.json.path: message (hint)``, with a summary on stderr — and need no database.
``install`` and ``export`` work on the app's database through :mod:`.registry`.

Exit codes: 0 valid / done, 1 invalid (nothing written), 2 usage error (e.g. a missing path).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from gongdan.definitions.problems import Problem
from gongdan.errors import DefinitionError, GongdanError

if TYPE_CHECKING:
    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.packs import LoadedPack

pack_cli = AppGroup("pack", help="Validate, install, test and export definition packs.")

#: Author recorded on revisions installed with ``gongdan pack install``.
CLI_AUTHOR = "cli"

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------------- reporting


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(problem.format())


def _problem_summary(problems: Sequence[Problem]) -> str:
    """``2 errors in 1 file`` (plus warnings, when any)."""
    errors = _errors(problems)
    warnings = len(problems) - len(errors)
    files = {p.file for p in errors}
    text = f"{_plural(len(errors), 'error')} in {_plural(len(files), 'file')}"
    return f"{text}, {_plural(warnings, 'warning')}" if warnings else text


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _fail_database(error: SQLAlchemyError) -> NoReturn:
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    _fail(f"database error: {cause} (has `gongdan init` been run?)")


def _extensions() -> Extensions:
    """What the plugins add: the app's plugins inside an app, else those installed."""
    from gongdan.definitions.extensions import extensions_from_plugins, load_extensions

    app = current_app._get_current_object() if current_app else None  # type: ignore[attr-defined]
    if app is not None and "gongdan.plugins" in app.extensions:
        return extensions_from_plugins(app.extensions["gongdan.plugins"])
    return load_extensions()


def _load(paths: Sequence[Path]) -> LoadedPack:
    from gongdan.definitions.packs import load_paths

    return load_paths(list(paths))


def _is_pack(path: Path) -> bool:
    return path.is_dir() and (path / "pack.yaml").is_file()


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _load_zip(path: Path) -> LoadedPack:
    """A zipped pack, checked and unpacked like an upload to the admin GUI."""
    from gongdan.definitions.pack_archive import load_pack_archive

    return load_pack_archive(path.read_bytes())


def _definition_sets(paths: Sequence[Path]) -> list[list[Path]]:
    """Split the command's paths into the sets validated together.

    Each pack is a complete set of its own (two packs may define the same department, as two
    companies would); a folder holding packs stands for those packs; loose files and folders
    extend every pack given (or form one set when no pack is given).
    """
    packs: list[Path] = []
    loose: list[Path] = []
    for path in paths:
        if _is_pack(path):
            packs.append(path)
        elif path.is_dir() and any(_is_pack(child) for child in path.iterdir()):
            packs.extend(child for child in sorted(path.iterdir()) if _is_pack(child))
        else:
            loose.append(path)
    if not packs:
        return [loose]
    return [[pack, *loose] for pack in packs]


def _validate(pack: LoadedPack, extensions: Extensions) -> list[Problem]:
    from gongdan.definitions.validate import validate_pack

    return validate_pack(pack, extensions=extensions)


def _sources(paths: Sequence[Path]) -> str:
    """``2 packs`` / ``1 pack, 3 files``: what the command was given."""
    packs = sum(1 for p in paths if _is_pack(p) or _is_zip(p))
    folders = sum(1 for p in paths if p.is_dir() and not _is_pack(p))
    files = len(paths) - packs - folders
    parts = [
        _plural(count, noun)
        for count, noun in ((packs, "pack"), (folders, "folder"), (files, "file"))
        if count
    ]
    return ", ".join(parts)


_PATHS = click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)


# ----------------------------------------------------------------------------------- commands


@pack_cli.command("validate", with_appcontext=False)
@_PATHS
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check definition packs (folders or .zip), folders or files; print every problem found.

    Each pack is validated as a complete set of its own; loose files together. Needs no
    database: files are loaded and validated only.
    """
    problems: list[Problem] = []
    definitions = 0
    zips = [path for path in paths if _is_zip(path)]
    rest = [path for path in paths if not _is_zip(path)]
    try:
        extensions = _extensions()
        loaded = [_load_zip(path) for path in zips]
        loaded.extend(_load(group) for group in (_definition_sets(rest) if rest else []))
        for pack in loaded:
            definitions += len(pack.definitions)
            problems.extend(_validate(pack, extensions))
    except GongdanError as error:
        _fail(error.message)
    _print_problems(problems)
    if _errors(problems):
        click.echo(_problem_summary(problems), err=True)
        sys.exit(1)
    summary = f"ok: {_plural(definitions, 'definition')} in {_sources(paths)} valid"
    warnings = len(problems)
    click.echo(f"{summary} ({_plural(warnings, 'warning')})" if warnings else summary, err=True)


@pack_cli.command("test", with_appcontext=False)
@_PATHS
def test_command(paths: tuple[Path, ...]) -> None:
    """Validate packs, compile them and run their samples (routing, SLA, transitions)."""
    from gongdan.definitions.compile import compile_definitions
    from gongdan.definitions.samples import run_samples

    problems: list[Problem] = []
    failures: list[Problem] = []
    definition_count = sample_count = 0
    try:
        extensions = _extensions()
        for group in _definition_sets(paths):
            pack = _load(group)
            definition_count += len(pack.definitions)
            sample_count += len(pack.samples)
            found = _validate(pack, extensions)
            problems.extend(found)
            if not _errors(found):
                compiled = compile_definitions(
                    pack.definitions, extensions=extensions, validate=False
                )
                failures.extend(run_samples(pack, compiled))
    except DefinitionError as error:
        _print_problems(error.problems)
        _fail(error.message)
    except GongdanError as error:
        _fail(error.message)
    _print_problems([*problems, *failures])
    if _errors(problems):
        click.echo(_problem_summary(problems), err=True)
        sys.exit(1)
    samples = _plural(sample_count, "sample")
    if _errors(failures):
        failed = len({(p.file, p.key) for p in _errors(failures)})
        click.echo(f"{failed} of {samples} failed", err=True)
        sys.exit(1)
    definitions = _plural(definition_count, "definition")
    click.echo(f"ok: {definitions} valid, {samples} passed", err=True)


@pack_cli.command("install")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--author", default=CLI_AUTHOR, show_default=True, help="Recorded on revisions.")
def install_command(path: Path, author: str) -> None:
    """Install the pack at PATH (a folder or a .zip): each changed definition becomes its
    active revision.

    Nothing is written when the pack (with the installed definitions) has errors.
    """
    from gongdan.db import db
    from gongdan.definitions.packs import load_pack
    from gongdan.definitions.registry import install_pack

    if path.is_file() and not _is_zip(path):
        _fail(f"{str(path)!r} is neither a pack folder nor a .zip of one")
    try:
        pack = _load_zip(path) if _is_zip(path) else load_pack(path)
        report = install_pack(db.session, pack, author=author, extensions=_extensions())
    except DefinitionError as error:
        _print_problems(error.problems)
        if error.problems:
            click.echo(f"{_problem_summary(error.problems)}; nothing was installed", err=True)
            sys.exit(1)
        _fail(error.message)
    except GongdanError as error:
        _fail(error.message)
    except SQLAlchemyError as error:
        _fail_database(error)
    for kind, key, revision in report.created:
        click.echo(f"created {kind}/{key}@{revision}")
    click.echo(
        f"installed {path}: {len(report.created)} created, {len(report.unchanged)} unchanged "
        f"(generation {report.generation})"
    )


@pack_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--key", "pack_key", default="exported", show_default=True, help="Pack key.")
@click.option("--version", "pack_version", default="1.0.0", show_default=True)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def export_command(directory: Path, pack_key: str, pack_version: str, force: bool) -> None:
    """Write the active definitions to DIRECTORY as a pack that `pack install` reads back."""
    from gongdan.db import db
    from gongdan.definitions.packs import export_definitions
    from gongdan.definitions.registry import active_definitions

    if not _KEY.match(pack_key):
        raise click.BadParameter(
            f"{pack_key!r} is not a key like 'after_sales'", param_hint="--key"
        )
    if directory.exists() and any(directory.iterdir()) and not force:
        _fail(f"{str(directory)!r} is not empty (use --force to write into it)")
    try:
        definitions = active_definitions(db.session)
    except SQLAlchemyError as error:
        _fail_database(error)
    meta = {
        "key": pack_key,
        "version": pack_version,
        "title": {"zh": "导出的定义", "en": "Exported definitions"},
    }
    export_definitions(definitions, directory, meta=meta)
    click.echo(f"exported {_plural(len(definitions), 'definition')} to {directory}")
