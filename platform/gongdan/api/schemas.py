"""JSON Schemas of the API's bodies: the OpenAPI components, also used to check requests.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the document and the server check requests
against the very same text.
"""

from __future__ import annotations

from typing import Any

from gongdan.tickets.models import CHANNELS, PRIORITIES

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """``{"$ref": "#/components/schemas/<name>"}``."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


#: The largest row id (PostgreSQL ``integer``); larger numbers cannot name a row.
MAX_ID = 2**31 - 1

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_TIME = {"type": "string", "format": "date-time"}
_LOCAL_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}
_FIELDS = {"type": "object", "description": "form field values keyed by the type's field keys"}

COMPONENTS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string", "examples": ["validation_failed"]},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "field key → what is wrong with it",
                    },
                },
            }
        },
    },
    "Links": {
        "type": "object",
        "properties": {
            name: nullable({"type": "string"}) for name in ("self", "first", "prev", "next", "last")
        },
    },
    "Ticket": {
        "type": "object",
        "required": ["id", "number", "type", "state", "version", "fields"],
        "properties": {
            "id": _ID,
            "number": {"type": "string", "examples": ["RP-20261124-0001"]},
            "type": {"type": "string"},
            "subject": {"type": "string"},
            "state": {"type": "string"},
            "state_title": _LOCAL_TEXT,
            "state_category": {"type": "string"},
            "priority": {"enum": list(PRIORITIES)},
            "channel": {"enum": list(CHANNELS)},
            "department": nullable({"type": "string"}),
            "assignee_id": nullable(_ID),
            "customer_id": nullable(_ID),
            "contact_id": nullable(_ID),
            "address_id": nullable(_ID),
            "asset_id": nullable(_ID),
            "charge_class": nullable({"type": "string"}),
            "fields": _FIELDS,
            "version": {"type": "integer"},
            "ticket_type_revision_id": _ID,
            "workflow_revision_id": _ID,
            "created_at": _TIME,
            "updated_at": _TIME,
            "resolved_at": nullable(_TIME),
            "closed_at": nullable(_TIME),
        },
    },
    "TicketPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            "items": {"type": "array", "items": ref("Ticket")},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
            "links": ref("Links"),
        },
    },
    "TicketCreate": {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "minLength": 1},
            "channel": {"enum": list(CHANNELS), "default": "api"},
            "subject": {"type": "string", "maxLength": 300},
            "priority": {"enum": list(PRIORITIES)},
            "fields": _FIELDS,
            "customer_id": _ID,
            "contact_id": _ID,
            "address_id": _ID,
            "asset_id": _ID,
            "department": {"type": "string"},
        },
    },
    "TicketPatch": {
        "type": "object",
        "required": ["fields"],
        "additionalProperties": False,
        "properties": {
            "fields": _FIELDS,
            "version": {"type": "integer", "description": "or send the If-Match header"},
        },
    },
    "TransitionRun": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "version": {"type": "integer", "description": "or send the If-Match header"},
            "fields": _FIELDS,
            "comment": {"type": "string"},
        },
    },
    "Transition": {
        "type": "object",
        "required": ["key", "to"],
        "properties": {
            "key": {"type": "string"},
            "title": _LOCAL_TEXT,
            "to": {"type": "string"},
            "require_fields": {"type": "array", "items": {"type": "string"}},
            "comment": {"enum": ["optional", "required", "none"]},
        },
    },
    "Transfer": {
        "type": "object",
        "required": ["department", "reason"],
        "additionalProperties": False,
        "properties": {
            "department": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": 1},
            "version": {"type": "integer"},
        },
    },
    "Assign": {
        "type": "object",
        "required": ["assignee_id", "reason"],
        "additionalProperties": False,
        "properties": {
            "assignee_id": nullable(_ID),
            "reason": {"type": "string", "minLength": 1},
            "department": {"type": "string"},
            "version": {"type": "integer"},
        },
    },
    "CommentCreate": {
        "type": "object",
        "required": ["body"],
        "additionalProperties": False,
        "properties": {
            "body": {"type": "string", "minLength": 1},
            "internal": {"type": "boolean", "default": False},
        },
    },
    "Comment": {
        "type": "object",
        "properties": {
            "id": _ID,
            "body": {"type": "string"},
            "internal": {"type": "boolean"},
            "author_id": nullable(_ID),
            "created_at": _TIME,
        },
    },
    "Attachment": {
        "type": "object",
        "properties": {
            "id": _ID,
            "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string"},
            "field_key": nullable({"type": "string"}),
            "internal": {"type": "boolean"},
            "download_url": {"type": "string"},
            "created_at": _TIME,
        },
    },
    "AttachmentUpload": {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "field_key": {"type": "string"},
            "internal": {"type": "boolean"},
        },
    },
    "Event": {
        "type": "object",
        "properties": {
            "id": _ID,
            "kind": {"type": "string"},
            "actor_id": nullable(_ID),
            "public": {"type": "boolean"},
            "data": {"type": "object"},
            "created_at": _TIME,
        },
    },
    "Customer": {
        "type": "object",
        "properties": {
            "id": _ID,
            "code": {"type": "string"},
            "name": {"type": "string"},
            "tier": {"type": "string"},
            "region": nullable({"type": "string"}),
            "phone": nullable({"type": "string"}),
            "email": nullable({"type": "string"}),
        },
    },
    "CustomerWrite": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "minLength": 1, "maxLength": 40},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "tier": {"type": "string", "minLength": 1, "maxLength": 20},
            "region": nullable({"type": "string", "maxLength": 80}),
            "phone": nullable({"type": "string", "maxLength": 40}),
            "email": nullable({"type": "string", "maxLength": 254}),
        },
    },
    "Contact": {
        "type": "object",
        "properties": {
            "id": _ID,
            "customer_id": _ID,
            "name": {"type": "string"},
            "phone": nullable({"type": "string"}),
            "mobile": nullable({"type": "string"}),
            "email": nullable({"type": "string"}),
            "is_primary": {"type": "boolean"},
        },
    },
    "ContactWrite": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120},
            "phone": nullable({"type": "string", "maxLength": 40}),
            "mobile": nullable({"type": "string", "maxLength": 40}),
            "email": nullable({"type": "string", "maxLength": 254}),
            "is_primary": {"type": "boolean"},
        },
    },
    "Asset": {
        "type": "object",
        "properties": {
            "id": _ID,
            "customer_id": _ID,
            "product_model": {"type": "string"},
            "serial_number": {"type": "string"},
            "install_date": nullable({"type": "string", "format": "date"}),
            "warranty_end": nullable({"type": "string", "format": "date"}),
            "in_warranty": {"type": "boolean"},
            "contract_id": nullable(_ID),
        },
    },
    "AssetWrite": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "product_model": {"type": "string", "minLength": 1, "maxLength": 64},
            "serial_number": {"type": "string", "minLength": 1, "maxLength": 80},
            "install_date": nullable({"type": "string", "format": "date"}),
            "warranty_end": nullable({"type": "string", "format": "date"}),
        },
    },
    "FormField": {
        "type": "object",
        "required": ["key", "type", "title", "required"],
        "properties": {
            "key": {"type": "string"},
            "type": {"type": "string"},
            "title": _LOCAL_TEXT,
            "required": {"type": "boolean"},
            "required_in_states": {"type": "array", "items": {"type": "string"}},
            "visible_if": nullable({"type": "object", "description": "a condition tree"}),
            "required_if": nullable({"type": "object", "description": "a condition tree"}),
            "options": nullable(
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"value": {"type": "string"}, "title": _LOCAL_TEXT},
                    },
                }
            ),
            "default": {},
            "section": nullable({"type": "string"}),
            "customer_visible": {"type": "boolean"},
            "customer_editable": {"type": "boolean"},
            "constraints": {"type": "object"},
            "columns": {"type": "array", "items": {"$ref": "#/components/schemas/FormField"}},
        },
    },
    "TicketType": {
        "type": "object",
        "required": ["key", "title", "revision", "fields"],
        "properties": {
            "key": {"type": "string"},
            "title": _LOCAL_TEXT,
            "revision": {"type": "integer"},
            "revision_id": _ID,
            "active": {"type": "boolean"},
            "workflow": {"type": "string"},
            "layout": {"type": "array", "items": {"type": "object"}},
            "defaults": {"type": "object"},
            "fields": {"type": "array", "items": ref("FormField")},
        },
    },
    "InboundResult": {
        "type": "object",
        "required": ["action", "ticket"],
        "properties": {
            "action": {"enum": ["created", "commented", "duplicate"]},
            "ticket": ref("Ticket"),
            "comment_id": nullable(_ID),
            "attachment_ids": {"type": "array", "items": _ID},
        },
    },
}
