"""Field view-models: what the form macros need to draw one ticket type's fields.

:func:`build_form` is pure (no database, no request): the caller passes the values, the
choices of reference fields (customers, contacts ... already loaded) and the attachment links.
Titles are picked in the current language by the ``local`` callable (``i18n.local_text`` in
the app; tests may pass their own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import CompiledField, CompiledOptionList, CompiledTicketType
from gongdan.forms.conditions_js import client_condition
from gongdan.forms.parse import FIELD_PREFIX

Audience = Literal["agent", "engineer", "customer"]
LocalPicker = Callable[[Mapping[str, str] | None, str], str]

#: Reference field types whose choices the caller supplies (``choices[field_key]``).
REFERENCE_TYPES = frozenset(("user", "department", "customer", "contact", "asset"))
#: Types filtered by the chosen customer: the browser reloads their choices when it changes.
CUSTOMER_DEPENDENT_TYPES = frozenset(("contact", "asset", "address"))
#: Types a person fills in later in the work (on site, at review), never on the create form.
LATER_TYPES = frozenset(("signature", "geo"))
#: Roles that may edit any field, whatever ``permissions.edit_fields`` says.
EDIT_ANY_ROLES = frozenset(("admin", "system"))


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a select: the submitted value and its title."""

    value: str
    title: str


@dataclass(frozen=True, slots=True)
class AttachmentLink:
    """An uploaded file shown next to its field."""

    id: int
    filename: str
    url: str
    is_image: bool = False


@dataclass(frozen=True)
class FieldView:
    """One field as the macros draw it.

    ``name`` is the form name (``f.<key>``; sub-inputs append ``.<part>``), ``dom_id`` the
    element id (``field-<key>``). ``visible_if``/``required_if`` hold the browser JSON of the
    condition or ``None`` when the server alone decides (then ``visible``/``required`` are final).
    """

    key: str
    type: str
    name: str
    dom_id: str
    title: str
    help: str = ""
    required: bool = False
    visible: bool = True
    visible_if: str | None = None
    required_if: str | None = None
    value: Any = None
    text: str = ""
    error: str | None = None
    editable: bool = True
    choices: tuple[Choice, ...] = ()
    columns: tuple[FieldView, ...] = ()
    rows: tuple[Mapping[str, Any], ...] = ()
    attachments: tuple[AttachmentLink, ...] = ()
    limits: Mapping[str, Any] = field(default_factory=dict)
    source_url: str | None = None
    depends_on: str | None = None

    @property
    def selected(self) -> frozenset[str]:
        """The chosen option values as text (for ``selected`` attributes)."""
        if self.value is None:
            return frozenset()
        if isinstance(self.value, list | tuple):
            return frozenset(str(v) for v in self.value)
        return frozenset((str(self.value),))


@dataclass(frozen=True)
class SectionView:
    """A layout section and its fields (``key`` ``None``: fields without a section)."""

    key: str | None
    title: str
    fields: tuple[FieldView, ...]


@dataclass(frozen=True)
class FormView:
    """A whole generated form: sections in layout order, fields also by key."""

    sections: tuple[SectionView, ...]
    fields: Mapping[str, FieldView]
    values_json: str = "{}"

    @property
    def has_errors(self) -> bool:
        return any(f.error for f in self.fields.values())


def _plain_local(text: Mapping[str, str] | None, fallback: str) -> str:
    if not text:
        return fallback
    return text.get("zh") or text.get("en") or fallback


def _option_choices(
    compiled: CompiledField,
    option_lists: Mapping[str, CompiledOptionList],
    local: LocalPicker,
) -> tuple[Choice, ...]:
    option_list = option_lists.get(compiled.option_list or "")
    if option_list is not None:
        return tuple(
            Choice(str(o["value"]), local(o.get("title"), str(o["value"])))
            for o in option_list.options
        )
    inline = compiled.spec.get("options")
    if isinstance(inline, Sequence) and not isinstance(inline, str):
        result = []
        for option in inline:
            if isinstance(option, Mapping):
                value = str(option.get("value"))
                result.append(Choice(value, local(option.get("title"), value)))
            else:
                result.append(Choice(str(option), str(option)))
        return tuple(result)
    return tuple(Choice(v, v) for v in compiled.options or ())


def format_value(
    type_name: str, value: Any, choices: Sequence[Choice] = (), *, yes: str = "✓", no: str = "✗"
) -> str:
    """A short text of ``value`` for read-only display (attachments/signatures excluded)."""
    if value is None or value == "" or value == []:
        return ""
    titles = {c.value: c.title for c in choices}
    if type_name == "bool":
        return yes if value is True else no
    if type_name == "multiselect" and isinstance(value, list | tuple):
        return ", ".join(titles.get(str(v), str(v)) for v in value)
    if type_name in ("select", *REFERENCE_TYPES):
        return titles.get(str(value), str(value))
    if type_name == "money":
        try:
            return f"{float(value):,.2f}"
        except (TypeError, ValueError):
            return str(value)
    if type_name in ("date", "datetime") and isinstance(value, date | datetime):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if isinstance(value, datetime)
            else (value.isoformat())
        )
    if type_name == "address":
        if isinstance(value, Mapping):
            parts = [value.get(k) for k in ("region", "city", "line")]
            return " ".join(str(p) for p in parts if p)
        return titles.get(str(value), str(value))
    if type_name == "geo" and isinstance(value, Mapping):
        return f"{value.get('lat')}, {value.get('lng')}"
    if isinstance(value, list | tuple):
        return f"{len(value)}"
    return str(value)


def _limits(spec: Mapping[str, Any]) -> dict[str, Any]:
    limits = {
        k: spec[k] for k in ("min", "max", "max_length", "max_files", "max_size_mb") if k in spec
    }
    accept = spec.get("accept")
    if isinstance(accept, Sequence) and not isinstance(accept, str):
        limits["accept"] = ",".join(str(a) for a in accept)
    return limits


def _editable(
    compiled: CompiledField,
    ticket_type: CompiledTicketType,
    audience: Audience,
    roles: frozenset[str],
    creating: bool,
) -> bool:
    if audience == "customer":
        if compiled.customer_editable:
            return True
        allowed = ticket_type.permissions.edit_fields.get(compiled.key)
        return creating and (allowed is None or "customer" in allowed)
    allowed = ticket_type.permissions.edit_fields.get(compiled.key)
    return allowed is None or bool(allowed & roles) or bool(roles & EDIT_ANY_ROLES)


def _on_create_form(compiled: CompiledField, editable: bool) -> bool:
    """Whether a field belongs on the create form: not filled later in the work."""
    if compiled.type in LATER_TYPES:
        return False
    later = bool(compiled.required_in_states) and not compiled.required
    return editable and not later


def _field_view(
    compiled: CompiledField,
    *,
    name: str,
    dom_id: str,
    value: Any,
    context: EvaluationContext,
    state: str | None,
    error: str | None,
    editable: bool,
    choices: tuple[Choice, ...],
    local: LocalPicker,
    option_lists: Mapping[str, CompiledOptionList],
    attachments: Mapping[int, AttachmentLink],
    source_url: str | None,
    errors: Mapping[str, str],
) -> FieldView:
    columns = tuple(
        _field_view(
            column,
            name=f"{name}.__row__.{column.key}",
            dom_id=f"{dom_id}-{column.key}",
            value=None,
            context=context,
            state=state,
            error=None,
            editable=editable,
            choices=_option_choices(column, option_lists, local),
            local=local,
            option_lists=option_lists,
            attachments={},
            source_url=None,
            errors={},
        )
        for column in compiled.columns
    )
    rows: tuple[Mapping[str, Any], ...] = ()
    if compiled.type == "table" and isinstance(value, Sequence) and not isinstance(value, str):
        rows = tuple(r for r in value if isinstance(r, Mapping))
    ids: list[Any] = []
    if (
        compiled.type == "attachments"
        and isinstance(value, Sequence)
        and not isinstance(value, str)
    ):
        ids = list(value)
    elif compiled.type == "signature" and value is not None:
        ids = [value]
    links = tuple(attachments[int(i)] for i in ids if str(i).isdigit() and int(i) in attachments)
    row_errors = {k: v for k, v in errors.items() if k.startswith(f"{compiled.key}.")}
    return FieldView(
        key=compiled.key,
        type=compiled.type,
        name=name,
        dom_id=dom_id,
        title=local(compiled.title, compiled.key),
        help=local(compiled.spec.get("help"), ""),
        required=compiled.is_required(state, context),
        visible=compiled.is_visible(context),
        visible_if=client_condition(compiled.visible_if),
        required_if=client_condition(compiled.required_if),
        value=value,
        text=format_value(compiled.type, value, choices),
        error=error or next(iter(row_errors.values()), None),
        editable=editable,
        choices=choices,
        columns=columns,
        rows=rows,
        attachments=links,
        limits=_limits(compiled.spec),
        source_url=source_url,
        depends_on="customer" if compiled.type in CUSTOMER_DEPENDENT_TYPES else None,
    )


def _section_of(ticket_type: CompiledTicketType, key: str) -> str | None:
    compiled = ticket_type.field(key)
    return compiled.section if compiled is not None else None


def _json_safe(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def build_form(
    ticket_type: CompiledTicketType,
    *,
    values: Mapping[str, Any],
    audience: Audience = "agent",
    roles: Iterable[str] = (),
    state: str | None = None,
    creating: bool = False,
    errors: Mapping[str, str] | None = None,
    choices: Mapping[str, Sequence[Choice]] | None = None,
    option_lists: Mapping[str, CompiledOptionList] | None = None,
    attachments: Mapping[int, AttachmentLink] | None = None,
    source_urls: Mapping[str, str] | None = None,
    context_values: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
    local: LocalPicker = _plain_local,
) -> FormView:
    """The form of ``ticket_type`` for ``audience``, filled with ``values``.

    :param values: field key → current (or just submitted) value.
    :param roles: the viewer's roles; ``permissions.edit_fields`` makes other fields read-only.
    :param state: the ticket's state (``required_in_states``); ``None`` when creating.
    :param creating: the create form: fields filled later in the work (signature, geo, and
        fields only required in a later state) and fields the viewer may not edit are left out.
    :param errors: field key (``table.row`` keys too) → message shown next to the field.
    :param choices: reference field key (or type name) → its choices (customers, contacts ...).
    :param source_urls: type name → JSON URL the browser reloads choices from when the
        customer changes (contact, asset, address).
    :param context_values: other condition variables (``customer``, ``asset`` ...) for the
        server-side judgement of ``visible_if``/``required_if``.
    :param only: keep exactly these fields (a transition's ``require_fields``), in that order.
    :param local: picks a title in the current language from ``{zh, en}``.
    """
    errors = errors or {}
    choices = choices or {}
    option_lists = option_lists or {}
    attachments = attachments or {}
    source_urls = source_urls or {}
    role_set = frozenset(roles)
    context = EvaluationContext(
        values={**(context_values or {}), "ticket": {**values, "state": state}}
    )
    wanted = list(only) if only is not None else None
    compiled_fields = (
        [f for key in wanted if (f := ticket_type.field(key)) is not None]
        if wanted is not None
        else list(ticket_type.fields)
    )
    views: dict[str, FieldView] = {}
    for compiled in compiled_fields:
        if audience == "customer" and not compiled.customer_visible:
            continue
        editable = _editable(compiled, ticket_type, audience, role_set, creating)
        if creating and wanted is None and not _on_create_form(compiled, editable):
            continue
        if compiled.type in ("select", "multiselect"):
            field_choices = _option_choices(compiled, option_lists, local)
        else:
            field_choices = tuple(choices.get(compiled.key) or choices.get(compiled.type) or ())
        views[compiled.key] = _field_view(
            compiled,
            name=f"{FIELD_PREFIX}{compiled.key}",
            dom_id=f"field-{compiled.key}",
            value=values.get(compiled.key),
            context=context,
            state=state,
            error=errors.get(compiled.key),
            editable=editable,
            choices=field_choices,
            local=local,
            option_lists=option_lists,
            attachments=attachments,
            source_url=source_urls.get(compiled.type),
            errors=errors,
        )
    sections: list[SectionView] = []
    placed: set[str] = set()
    if wanted is None:
        for section in ticket_type.layout:
            key = str(section.get("key"))
            members = tuple(v for v in views.values() if _section_of(ticket_type, v.key) == key)
            placed.update(v.key for v in members)
            if members:
                sections.append(SectionView(key, local(section.get("title"), key), members))
    rest = tuple(v for k, v in views.items() if k not in placed)
    if rest:
        sections.append(SectionView(None, "", rest))
    return FormView(
        sections=tuple(sections),
        fields=views,
        values_json=json.dumps(_json_safe(dict(values)), ensure_ascii=False, sort_keys=True),
    )
