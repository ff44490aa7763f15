"""Checks of ``InboundChannel`` definitions: the ticket type and the fields a mapping fills."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem
from gongdan.definitions.semantic.context import SemanticContext, check_references, items

#: Field types whose value an inbound message can give as plain text.
MAPPABLE_FIELD_TYPES = frozenset(
    {"text", "textarea", "int", "decimal", "money", "bool", "date", "datetime", "select"}
)


def check_inbound_channel(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """The ticket type exists, mapped fields exist on it and take text, a reply is findable."""
    spec = definition.spec
    found = check_references(
        definition,
        [(spec.get("ticket_type"), ("spec", "ticket_type"))],
        ctx.keys("TicketType"),
        "ref.unknown_ticket_type",
        "ticket type",
    )
    ticket_type = ctx.get("TicketType", spec.get("ticket_type"))
    if ticket_type is not None:
        fields = {f["key"]: f for _, f in items(ticket_type.spec.get("fields"))}
        for member in ("map", "defaults"):
            targets = spec.get(member)
            if isinstance(targets, Mapping):
                found.extend(_check_targets(definition, member, targets, fields))
    reply = spec.get("reply")
    if isinstance(reply, Mapping) and "number" not in reply and "search" not in reply:
        found.append(
            definition.problem(
                "channel.reply_unfindable",
                "a reply needs 'number' or 'search' to find the ticket it answers",
                ("spec", "reply"),
            )
        )
    verify = spec.get("verify")
    if isinstance(verify, Mapping) and "prefix" in verify and verify.get("method") != "hmac_sha256":
        found.append(
            definition.problem(
                "channel.prefix_without_hmac",
                "'prefix' applies only to the hmac_sha256 method",
                ("spec", "verify", "prefix"),
            )
        )
    return found


def _check_targets(
    definition: Definition,
    member: str,
    targets: Mapping[str, Any],
    fields: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    field_targets = [
        (target.removeprefix("fields."), ("spec", member, target))
        for target in targets
        if target.startswith("fields.")
    ]
    found = check_references(
        definition,
        [(name, path) for name, path in field_targets],
        fields,
        "ref.unknown_field",
        "ticket field",
    )
    for name, path in field_targets:
        field = fields.get(name)
        if field is not None and field.get("type") not in MAPPABLE_FIELD_TYPES:
            found.append(
                definition.problem(
                    "channel.unmappable_field",
                    f"field {name!r} has type {field.get('type')!r}, which a message cannot fill",
                    path,
                    hint="map text into text, textarea, number, bool, date or select fields",
                )
            )
    return found
