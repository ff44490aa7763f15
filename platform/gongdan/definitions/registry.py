"""Definition revisions: install packs, save drafts, publish, roll back, and the active set.

Every change of the active set is one transaction that (1) locks the single
:class:`~gongdan.definitions.models.DefinitionSetState` row, (2) validates the set as it would
be afterwards, (3) writes revisions and (4) bumps ``generation``. A set with errors is never
written: the service raises :class:`~gongdan.errors.DefinitionError` carrying every problem.

Services take a SQLAlchemy ``Session`` explicitly, commit on success and roll back on failure;
they import no Flask, so the CLI, the admin GUI, the API and jobs share them.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from gongdan.db import utcnow
from gongdan.definitions.compile import CompiledSet, compile_definitions
from gongdan.definitions.documents import Definition
from gongdan.definitions.models import SET_STATE_ID, DefinitionRevision, DefinitionSetState
from gongdan.definitions.validate import validate_definitions, validate_pack
from gongdan.errors import DefinitionError, DefinitionNotFound
from gongdan.transaction_memo import transaction_memo

if TYPE_CHECKING:
    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.packs import LoadedPack
    from gongdan.definitions.problems import Problem

RevisionRef = tuple[str, str, int]

#: Shown when the partial unique index stops a second active revision of one key.
CONCURRENT_CHANGE = (
    "another change to the definitions was saved at the same time; nothing was written, try again"
)


@dataclass(frozen=True, slots=True)
class InstallReport:
    """What :func:`install_pack` did: ``(kind, key, revision)`` per definition of the pack."""

    created: list[RevisionRef] = field(default_factory=list)
    unchanged: list[RevisionRef] = field(default_factory=list)
    generation: int = 0


# ---------------------------------------------------------------------------------------- reads


def definition_from_revision(revision: DefinitionRevision) -> Definition:
    """The :class:`Definition` stored in ``revision``, named ``<db:Kind/key@rev>`` in problems."""
    return Definition(
        kind=revision.kind,
        key=revision.key,
        document=revision.document,
        origin=revision.origin,
        pack=revision.pack_key,
    )


def active_generation(session: Session) -> int:
    """The generation of the active set: one indexed read, 0 before anything was installed."""
    generation = session.scalar(
        select(DefinitionSetState.generation).where(DefinitionSetState.id == SET_STATE_ID)
    )
    return generation or 0


def active_revisions(session: Session, kind: str | None = None) -> list[DefinitionRevision]:
    """Every active revision (of ``kind`` only, when given), ordered by kind and key."""
    query = (
        select(DefinitionRevision)
        .where(DefinitionRevision.status == "active")
        .order_by(DefinitionRevision.kind, DefinitionRevision.key)
    )
    if kind is not None:
        query = query.where(DefinitionRevision.kind == kind)
    return list(session.scalars(query))


def active_definitions(session: Session) -> list[Definition]:
    """The active set as :class:`Definition` objects, ordered by kind and key."""
    return [definition_from_revision(revision) for revision in active_revisions(session)]


def active_revision(session: Session, kind: str, key: str) -> DefinitionRevision | None:
    """The active revision of ``kind``/``key``, or ``None``."""
    query = select(DefinitionRevision).where(
        DefinitionRevision.kind == kind,
        DefinitionRevision.key == key,
        DefinitionRevision.status == "active",
    )
    return session.scalar(query)


def revision_history(session: Session, kind: str, key: str) -> list[DefinitionRevision]:
    """Every revision of ``kind``/``key``, newest first."""
    query = (
        select(DefinitionRevision)
        .where(DefinitionRevision.kind == kind, DefinitionRevision.key == key)
        .order_by(DefinitionRevision.revision.desc())
    )
    return list(session.scalars(query))


def load_revision(session: Session, revision_id: int) -> Definition:
    """The definition stored in revision ``revision_id``, whatever its status.

    Tickets pin revisions by id, so a retired revision stays loadable.

    :raises DefinitionNotFound: no revision has that id.
    """
    revision = session.get(DefinitionRevision, revision_id)
    if revision is None:
        raise DefinitionNotFound(f"no definition revision with id {revision_id!r}")
    return definition_from_revision(revision)


# ----------------------------------------------------------------------------------- the cache


@dataclass(frozen=True, slots=True)
class _CachedSet:
    generation: int
    extensions: Any
    compiled: CompiledSet


# Keyed by engine (not URL alone): two engines on one URL may use different schemas.
_compiled_sets: weakref.WeakKeyDictionary[Engine, _CachedSet] = weakref.WeakKeyDictionary()
_compiled_sets_lock = threading.Lock()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind(DefinitionRevision)
    return bind.engine if isinstance(bind, Connection) else bind


#: The transaction memo's entry for the generation read by :func:`compiled_active_set`.
_GENERATION = "definitions.generation"


def compiled_active_set(session: Session, *, extensions: Extensions | None = None) -> CompiledSet:
    """The compiled active set, recompiled only when the generation changed.

    Each call costs one indexed read of the generation; web processes and workers thereby see
    a publish made by any other process without a restart. The cache holds one set per engine
    and is reused only for equal ``extensions`` (default: the running app's plugins').
    """
    if extensions is None:
        from gongdan.definitions.extensions import current_extensions

        extensions = current_extensions()
    engine = _engine_of(session)
    # Read the generation before the definitions: a publish in between then only causes one
    # extra recompile, never a stale set cached under a newer generation. Read once per
    # transaction: the services one ticket change runs all ask, and must all see one set.
    memo = transaction_memo(session)
    generation = memo.get(_GENERATION)
    if generation is None:
        generation = memo[_GENERATION] = active_generation(session)
    cached = _compiled_sets.get(engine)
    if (
        cached is not None
        and cached.generation == generation
        and (cached.extensions is extensions or cached.extensions == extensions)
    ):
        return cached.compiled
    revisions = active_revisions(session)
    compiled = compile_definitions(
        [definition_from_revision(revision) for revision in revisions],
        extensions=extensions,
        revision_ids={(revision.kind, revision.key): revision.id for revision in revisions},
    )
    with _compiled_sets_lock:
        _compiled_sets[engine] = _CachedSet(generation, extensions, compiled)
    return compiled


def clear_compiled_cache() -> None:
    """Forget every compiled set of this process (tests, and after a schema reset)."""
    with _compiled_sets_lock:
        _compiled_sets.clear()


# ---------------------------------------------------------------------------------- the writes


def install_pack(
    session: Session,
    pack: LoadedPack,
    *,
    author: str,
    extensions: Extensions | None = None,
    before_commit: Callable[[InstallReport], object] | None = None,
) -> InstallReport:
    """Install every definition of ``pack`` as the active revision of its kind and key.

    The resulting active set (current revisions overridden by the pack) is validated first; a
    definition whose content hash equals its active revision's is left alone, so installing an
    unchanged pack writes nothing and keeps the generation. ``before_commit`` is called with
    the report just before the commit, so what it adds to ``session`` (an audit entry) is
    written in the same transaction, or not at all.

    :raises DefinitionError: the pack or the resulting set has errors (nothing is written), or
        another change was saved at the same time.
    """
    pack_key, pack_version = _pack_identity(pack)
    with _one_transaction(session):
        state = _lock_active_set(session)
        active = {(r.kind, r.key): r for r in active_revisions(session)}
        incoming = {(d.kind, d.key) for d in pack.definitions}
        installed = [
            definition_from_revision(revision)
            for ref, revision in active.items()
            if ref not in incoming
        ]
        problems = validate_pack(pack, installed=installed, extensions=extensions)
        _raise_on_errors(problems, f"pack {pack_key or str(pack.root)!r} has {{errors}}")

        latest = _latest_revision_numbers(session, incoming)
        created: list[RevisionRef] = []
        unchanged: list[RevisionRef] = []
        now = utcnow()
        for definition in pack.definitions:
            ref = (definition.kind, definition.key)
            current = active.get(ref)
            content_hash = definition.content_hash
            if current is not None and current.content_hash == content_hash:
                unchanged.append((definition.kind, definition.key, current.revision))
                continue
            latest[ref] = latest.get(ref, 0) + 1
            revision = _new_revision(
                definition,
                number=latest[ref],
                status="active",
                author=author,
                pack_key=pack_key,
                pack_version=pack_version,
            )
            revision.activated_at = now
            _replace_active(session, current, revision)
            active[ref] = revision
            created.append((definition.kind, definition.key, revision.revision))
        if created:
            _bump(state)
        report = InstallReport(created=created, unchanged=unchanged, generation=state.generation)
        if before_commit is not None:
            before_commit(report)
        session.commit()
    return report


def save_draft(
    session: Session, definition: Definition, *, author: str, note: str | None = None
) -> DefinitionRevision:
    """Store ``definition`` as a new draft revision; the active set does not change.

    Drafts are validated when published, not when saved, so an admin can keep unfinished work.

    :raises DefinitionError: the definition has no kind or no key to file it under.
    """
    if not definition.kind or not definition.key:
        raise DefinitionError(
            f"a draft needs a kind and a key, got kind {definition.kind!r} and key "
            f"{definition.key!r}"
        )
    with _one_transaction(session):
        ref = (definition.kind, definition.key)
        number = _latest_revision_numbers(session, [ref]).get(ref, 0) + 1
        revision = _new_revision(
            definition,
            number=number,
            status="draft",
            author=author,
            pack_key=definition.pack,
            pack_version=None,
        )
        revision.note = note
        session.add(revision)
        session.commit()
    return revision


def publish(
    session: Session,
    revision_id: int,
    *,
    author: str,
    extensions: Extensions | None = None,
) -> DefinitionRevision:
    """Make draft ``revision_id`` the active revision of its kind and key.

    The whole active set with the draft swapped in is validated first.

    :raises DefinitionNotFound: no revision has that id.
    :raises DefinitionError: it is not a draft, or the set would have errors (nothing changes).
    """
    with _one_transaction(session):
        state = _lock_active_set(session)
        target = session.get(DefinitionRevision, revision_id, populate_existing=True)
        if target is None:
            raise DefinitionNotFound(f"no definition revision with id {revision_id!r}")
        if target.status != "draft":
            raise DefinitionError(f"{target.ref} is {target.status}; only a draft can be published")
        _activate(session, state, target, extensions=extensions)
        session.commit()
    return target


def rollback(
    session: Session,
    kind: str,
    key: str,
    revision: int,
    *,
    author: str,
    extensions: Extensions | None = None,
) -> DefinitionRevision:
    """Re-activate revision ``revision`` of ``kind``/``key``, retiring the active one.

    The whole active set with that revision swapped in is validated first. Rolling back to the
    revision that is already active changes nothing.

    :raises DefinitionNotFound: no such revision.
    :raises DefinitionError: it is a draft, or the set would have errors (nothing changes).
    """
    with _one_transaction(session):
        state = _lock_active_set(session)
        query = select(DefinitionRevision).where(
            DefinitionRevision.kind == kind,
            DefinitionRevision.key == key,
            DefinitionRevision.revision == revision,
        )
        target = session.scalar(query.execution_options(populate_existing=True))
        if target is None:
            raise DefinitionNotFound(f"no revision {revision!r} of {kind}/{key}")
        if target.status == "draft":
            raise DefinitionError(f"{target.ref} is a draft; publish it instead of rolling back")
        if target.status != "active":
            _activate(session, state, target, extensions=extensions)
        session.commit()
    return target


# ------------------------------------------------------------------------------------- helpers


@contextmanager
def _one_transaction(session: Session) -> Iterator[None]:
    """Roll back on any failure and turn a lost race into a clear :class:`DefinitionError`."""
    try:
        yield
    except IntegrityError as exc:
        session.rollback()
        raise DefinitionError(CONCURRENT_CHANGE) from exc
    except BaseException:
        session.rollback()
        raise


def _lock_active_set(session: Session) -> DefinitionSetState:
    """Create the state row if needed and lock it until the transaction ends.

    PostgreSQL locks the row with ``SELECT ... FOR UPDATE``. SQLite ignores ``FOR UPDATE``, but
    the ``INSERT`` below takes its database write lock, which serialises writers just as well.
    """
    if session.get_bind(DefinitionSetState).dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(DefinitionSetState)
        .values(id=SET_STATE_ID, generation=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    query = (
        select(DefinitionSetState)
        .where(DefinitionSetState.id == SET_STATE_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    state = session.scalar(query)
    assert state is not None  # inserted above
    return state


def _bump(state: DefinitionSetState) -> None:
    state.generation += 1
    state.updated_at = utcnow()
    session = object_session(state)
    if session is not None:
        transaction_memo(session).pop(_GENERATION, None)


def _activate(
    session: Session,
    state: DefinitionSetState,
    target: DefinitionRevision,
    *,
    extensions: Extensions | None,
) -> None:
    """Validate the active set with ``target`` swapped in, then make ``target`` active."""
    active = active_revisions(session)
    current = next((r for r in active if (r.kind, r.key) == (target.kind, target.key)), None)
    candidate = [definition_from_revision(r) for r in active if r is not current]
    candidate.append(definition_from_revision(target))
    problems = validate_definitions(candidate, extensions=extensions)
    _raise_on_errors(problems, f"{target.ref} cannot be activated: {{errors}}")
    target.activated_at = utcnow()
    _replace_active(session, current, target)
    _bump(state)


def _replace_active(
    session: Session, current: DefinitionRevision | None, new: DefinitionRevision
) -> None:
    if current is not None:
        current.status = "retired"
        # Flush the retirement first: the partial unique index allows one active row per key.
        session.flush()
    new.status = "active"
    session.add(new)
    session.flush()


def _latest_revision_numbers(
    session: Session, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The highest revision number of each ``(kind, key)`` in ``refs`` that has one."""
    wanted = set(refs)
    if not wanted:
        return {}
    kinds = {kind for kind, _ in wanted}
    query = (
        select(
            DefinitionRevision.kind, DefinitionRevision.key, func.max(DefinitionRevision.revision)
        )
        .where(DefinitionRevision.kind.in_(kinds))
        .group_by(DefinitionRevision.kind, DefinitionRevision.key)
    )
    return {(k, key): n for k, key, n in session.execute(query) if (k, key) in wanted}


def _new_revision(
    definition: Definition,
    *,
    number: int,
    status: str,
    author: str,
    pack_key: str | None,
    pack_version: str | None,
) -> DefinitionRevision:
    return DefinitionRevision(
        kind=definition.kind,
        key=definition.key,
        revision=number,
        content_hash=definition.content_hash,
        document=_plain(definition.document),
        status=status,
        pack_key=pack_key,
        pack_version=pack_version,
        source_path=definition.source.file if definition.source is not None else None,
        author=author,
        created_at=utcnow(),
    )


def _plain(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` as plain JSON data (the loader's YAML mappings are dict subclasses)."""
    plain: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False))
    return plain


def _pack_identity(pack: LoadedPack) -> tuple[str | None, str | None]:
    """``(key, version)`` of the pack, ``None`` where its ``pack.yaml`` does not say."""
    if pack.meta is None:
        return None, None
    return pack.meta.key or None, pack.meta.version or None


def _raise_on_errors(problems: Sequence[Problem], message: str) -> None:
    """Raise :class:`DefinitionError` with every error; ``{errors}`` in ``message`` counts them."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        raise DefinitionError(message.replace("{errors}", count), errors)
