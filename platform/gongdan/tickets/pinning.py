"""The definitions a ticket runs on: its pinned TicketType and Workflow revisions, compiled.

Revisions are immutable, so a compiled pair is cached per process by revision id and content
hash (and by the content of the OptionLists its select fields were resolved from: option lists
follow the active set, so a new option is offered on old tickets too). The cache is a bounded
LRU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import (
    active_revision,
    compiled_active_set,
    definition_from_revision,
    load_revision,
)
from gongdan.errors import DefinitionNotFound
from gongdan.tickets.models import Ticket
from gongdan.transaction_memo import transaction_memo

#: How many compiled (ticket type, workflow) pairs one process keeps.
CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Pinned:
    """A ticket's compiled TicketType and Workflow (the revisions it was created under)."""

    ticket_type: CompiledTicketType
    workflow: CompiledWorkflow


_cache: OrderedDict[tuple[object, ...], Pinned] = OrderedDict()
_lock = threading.Lock()


def clear_pinned_cache() -> None:
    """Forget every compiled pinned pair (tests)."""
    with _lock:
        _cache.clear()


def compile_pinned(session: Session, type_revision_id: int, workflow_revision_id: int) -> Pinned:
    """Compile the two revisions (whatever their status), resolving options from the active set.

    :raises DefinitionNotFound: a revision id does not exist.
    """
    active = compiled_active_set(session)
    option_key = tuple(
        sorted(
            (key, active.content_hashes.get(("OptionList", key), "")) for key in active.option_lists
        )
    )
    # Content hashes too, not ids alone: a test database that is emptied reuses ids. A
    # revision never changes, so one read per transaction serves every service.
    memo = transaction_memo(session)
    revisions = ("pinned.hashes", type_revision_id, workflow_revision_id)
    hashes = memo.get(revisions)
    if hashes is None:
        rows = session.execute(
            select(DefinitionRevision.id, DefinitionRevision.content_hash).where(
                DefinitionRevision.id.in_((type_revision_id, workflow_revision_id))
            )
        )
        hashes = memo[revisions] = {row.id: row.content_hash for row in rows}
    cache_key = (
        type_revision_id,
        hashes.get(type_revision_id),
        workflow_revision_id,
        hashes.get(workflow_revision_id),
        option_key,
    )
    with _lock:
        found = _cache.get(cache_key)
        if found is not None:
            _cache.move_to_end(cache_key)
            return found
    ticket_type = load_revision(session, type_revision_id)
    workflow = load_revision(session, workflow_revision_id)
    option_lists = [
        definition_from_revision(revision)
        for key in active.option_lists
        if (revision := active_revision(session, "OptionList", key)) is not None
    ]
    compiled = compile_definitions(
        [ticket_type, workflow, *option_lists],
        revision_ids={
            (ticket_type.kind, ticket_type.key): type_revision_id,
            (workflow.kind, workflow.key): workflow_revision_id,
        },
        validate=False,  # each revision was valid in the set it was published in
        extensions=current_extensions(),  # a plugin's field types and condition functions
    )
    pinned = Pinned(
        ticket_type=compiled.ticket_types[ticket_type.key],
        workflow=compiled.workflows[workflow.key],
    )
    with _lock:
        _cache[cache_key] = pinned
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pinned


def pinned_definitions(session: Session, ticket: Ticket) -> Pinned:
    """The compiled TicketType and Workflow ``ticket`` is pinned to, even if since retired."""
    return compile_pinned(session, ticket.ticket_type_revision_id, ticket.workflow_revision_id)


def active_type_revisions(session: Session, type_key: str) -> tuple[int, int]:
    """``(ticket type revision id, workflow revision id)`` active now for ``type_key``.

    :raises DefinitionNotFound: no active TicketType ``type_key``, or its workflow is missing.
    """
    type_revision = active_revision(session, "TicketType", type_key)
    if type_revision is None:
        raise DefinitionNotFound(f"no active ticket type {type_key!r}")
    workflow_key = _workflow_key(type_revision)
    workflow_revision = active_revision(session, "Workflow", workflow_key)
    if workflow_revision is None:
        raise DefinitionNotFound(
            f"ticket type {type_key!r} names workflow {workflow_key!r}, which is not active"
        )
    return type_revision.id, workflow_revision.id


def _workflow_key(revision: DefinitionRevision) -> str:
    spec = revision.document.get("spec", {}) if isinstance(revision.document, dict) else {}
    return str(spec.get("workflow", ""))
