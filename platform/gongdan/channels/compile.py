"""Compile an ``InboundChannel`` definition into its immutable runtime form."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from gongdan.channels.jsonpath import parse_json_path
from gongdan.definitions.compiled import CompiledInboundChannel, CompiledInboundMapping
from gongdan.definitions.documents import Definition
from gongdan.definitions.frozen import freeze


def _mapping(target: str, value: Any) -> CompiledInboundMapping:
    source = value if isinstance(value, str) else value["from"]
    required = False if isinstance(value, str) else bool(value.get("required", False))
    return CompiledInboundMapping(target, source, parse_json_path(source), required)


def compile_inbound_channel(definition: Definition) -> CompiledInboundChannel:
    """The runtime form of a schema- and semantically valid ``InboundChannel``."""
    spec = definition.spec
    reply: Mapping[str, Any] = spec.get("reply") or {}
    verify = spec.get("verify")
    return CompiledInboundChannel(
        key=definition.key,
        title=freeze(definition.title),
        channel=spec["channel"],
        format=spec.get("format", "json"),
        ticket_type=spec["ticket_type"],
        priority=spec.get("priority"),
        verify=MappingProxyType(dict(verify)) if verify else None,
        mappings=tuple(_mapping(target, value) for target, value in spec["map"].items()),
        defaults=freeze(spec.get("defaults", {})),
        reply_number=_mapping("reply.number", reply["number"]) if "number" in reply else None,
        reply_search=tuple(_mapping("reply.search", path) for path in reply.get("search", ())),
        reply_comment=_mapping("reply.comment", reply["comment"]) if "comment" in reply else None,
        message_id=_mapping("message_id", spec["message_id"]) if "message_id" in spec else None,
    )
