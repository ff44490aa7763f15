"""The OpenAPI 3.1 document, built from the ``@operation`` spec each API view carries.

Each view states its summary, parameters, body and responses next to its code; the document
walks the app's URL map, so an endpoint cannot exist without being described (a test checks
that every ``/api/v1`` rule appears). Request bodies are checked against the same schemas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, request
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from gongdan.api.errors import HTTP_CODES, ApiError
from gongdan.api.schemas import COMPONENTS, MAX_ID, Schema, ref

F = TypeVar("F", bound=Callable[..., Any])

API_TITLE = "Gongdan REST API"
API_VERSION = "1.0.0"
_COMPONENTS_ID = "urn:gongdan:api"
_ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")
_CONVERTER_TYPES = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


@dataclass(frozen=True)
class Param:
    """A query or header parameter."""

    name: str
    schema: Schema
    description: str = ""
    location: str = "query"
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """What one view does, in OpenAPI terms.

    ``responses`` maps a status to ``(description, schema or None, media type)``; ``errors``
    lists the error statuses it can answer, each documented with the shared error body.
    """

    summary: str
    tag: str
    responses: Mapping[int, tuple[str, Schema | None, str]]
    params: tuple[Param, ...] = ()
    body: Schema | None = None
    body_type: str = "application/json"
    errors: tuple[int, ...] = (401, 403, 404)
    secured: bool = True
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def json_response(description: str, schema: Schema | None) -> tuple[str, Schema | None, str]:
    return (description, schema, "application/json")


def operation(spec: Operation) -> Callable[[F], F]:
    """Attach ``spec`` to a view function (read by :func:`build_document`)."""

    def attach(view: F) -> F:
        view.openapi_operation = spec  # type: ignore[attr-defined]
        return view

    return attach


def _path_and_params(rule: str, prefix: str) -> tuple[str, list[dict[str, Any]]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": dict(_CONVERTER_TYPES.get(converter or "", {"type": "string"})),
        }
        for converter, name in _ARGUMENT.findall(rule)
    ]
    return _ARGUMENT.sub(r"{\2}", rule).removeprefix(prefix) or "/", params


def _operation_object(spec: Operation, path_params: list[dict[str, Any]], op_id: str) -> dict:
    out: dict[str, Any] = {"operationId": op_id, "summary": spec.summary, "tags": [spec.tag]}
    if spec.description:
        out["description"] = spec.description
    parameters = list(path_params) + [
        {
            "name": p.name,
            "in": p.location,
            "required": p.required,
            "description": p.description,
            "schema": p.schema,
        }
        for p in spec.params
    ]
    if parameters:
        out["parameters"] = parameters
    if spec.body is not None:
        out["requestBody"] = {"required": True, "content": {spec.body_type: {"schema": spec.body}}}
    responses: dict[str, Any] = {}
    for status, (description, schema, media) in sorted(spec.responses.items()):
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = {media: {"schema": schema}}
        responses[str(status)] = entry
    errors = set(spec.errors) | {500}
    if spec.body is not None:
        errors |= {400, 422}
    if not spec.secured:
        errors.discard(403)
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{HTTP_CODES[status]}"}
    out["responses"] = responses
    out["security"] = [{"bearerAuth": []}] if spec.secured else []
    out.update(spec.extra)
    return out


def build_document(app: Flask, prefix: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented rule under ``prefix``."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "openapi_operation", None)
        if spec is None:
            continue
        path, path_params = _path_and_params(rule.rule, prefix)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op_id = rule.endpoint.rpartition(".")[2]
            paths.setdefault(path, {})[method.lower()] = _operation_object(spec, path_params, op_id)
    error_responses = {
        code: {
            "description": f"{status} {code.replace('_', ' ')}",
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for status, code in HTTP_CODES.items()
    }
    error_responses["unauthorized"]["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": "Tickets, customers, ticket type forms and inbound channels of "
            "Gongdan. Errors are always {error: {code, message, fields}}.",
        },
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "responses": error_responses,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token from 'gongdan token create USER'",
                }
            },
        },
    }


def _registry() -> Registry:
    document = {"$id": _COMPONENTS_ID, "components": {"schemas": COMPONENTS}}
    return Registry().with_resource(
        _COMPONENTS_ID, Resource.from_contents(document, default_specification=DRAFT202012)
    )


_VALIDATORS: dict[str, Draft202012Validator] = {}


def body_validator(name: str) -> Draft202012Validator:
    """A validator for component ``name``, built once."""
    if name not in _VALIDATORS:
        _VALIDATORS[name] = Draft202012Validator(
            {"$ref": f"{_COMPONENTS_ID}#/components/schemas/{name}"},
            registry=_registry(),
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
    return _VALIDATORS[name]


def json_body(name: str) -> dict[str, Any]:
    """The request's JSON object, checked against component ``name``.

    :raises ApiError: 400 when the body is not a JSON object; 422 with ``fields`` naming each
        wrong member when it does not match the schema.
    """
    if not request.is_json:
        raise ApiError(400, "bad_request", "send a JSON body with Content-Type application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body is not a JSON object")
    problems: dict[str, str] = {}
    for error in sorted(body_validator(name).iter_errors(data), key=lambda e: e.json_path):
        if error.validator == "additionalProperties":
            extra = sorted(set(data) - set(error.schema.get("properties", {})))
            for key in extra:
                problems.setdefault(key, f"unknown member {key!r}")
            continue
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            problems.setdefault(missing, "is required")
            continue
        key = ".".join(str(p) for p in error.absolute_path) or "$"
        problems.setdefault(key, error.message)
    if problems:
        raise ApiError(422, "validation_failed", "the request body is invalid", problems)
    return data
