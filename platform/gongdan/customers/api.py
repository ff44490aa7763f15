"""REST endpoints of customers, their contacts and assets (installed base).

Staff who handle tickets read and write; a customer's own users read their organisation only
(another organisation's rows answer 404, like tickets); engineers read.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, jsonify, request
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from gongdan.accounts.models import User
from gongdan.accounts.policy import SEE_ALL_ROLES, is_customer
from gongdan.api.auth import api_user
from gongdan.api.openapi import Operation, Param, json_body, json_response, operation
from gongdan.api.pagination import MAX_PAGE, PageRequest, paginate
from gongdan.api.schemas import ref
from gongdan.api.serialize import asset_json, contact_json, customer_json
from gongdan.customers import services
from gongdan.customers.models import Asset, Contact, Customer
from gongdan.db import Base, db
from gongdan.errors import NotFound, PermissionDenied

bp = Blueprint("customers_api", __name__)

TAG = "customers"
Row = TypeVar("Row", bound=Base)


def _may_write(user: User) -> None:
    if user.role not in SEE_ALL_ROLES:
        raise PermissionDenied("only service staff may change customers")


def _own(user: User, model: type[Row], row_id: int) -> Row:
    """The row, if ``user`` may see it: customers only their organisation's (else 404)."""
    row = db.session.get(model, row_id)
    customer_id = getattr(row, "customer_id", None) if model is not Customer else row_id
    if row is None or (is_customer(user) and customer_id != user.customer_id):
        raise NotFound(f"no {model.__tablename__[:-1]} {row_id}")
    return row


def _list(model: type[Any], rows: Any) -> list[Any]:
    return list(db.session.scalars(rows.order_by(model.id)))


_PAGE_PARAMS = (
    Param("q", {"type": "string"}, "text in code, name, phone or e-mail"),
    Param("tier", {"type": "string"}),
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
)
_CUSTOMER_PAGE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": ref("Customer")},
        "total": {"type": "integer"},
    },
}


@bp.get("/customers")
@operation(
    Operation(
        "List customers (a customer user sees only its own organisation)",
        TAG,
        {200: json_response("one page of customers", _CUSTOMER_PAGE)},
        params=_PAGE_PARAMS,
        errors=(400, 401),
    )
)
def list_customers() -> Response:
    user = api_user()
    page = PageRequest.from_args(request.args)
    query = select(Customer)
    if is_customer(user):
        query = query.where(Customer.id == user.customer_id)
    text = (request.args.get("q") or "").strip().lower()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern)
                    for column in (Customer.code, Customer.name, Customer.phone, Customer.email)
                )
            )
        )
    if request.args.get("tier"):
        query = query.where(Customer.tier == request.args["tier"])
    return jsonify(paginate(db.session, query.order_by(Customer.id), page, customer_json))


@bp.post("/customers")
@operation(
    Operation(
        "Create a customer",
        TAG,
        {201: json_response("the customer", ref("Customer"))},
        body=ref("CustomerWrite"),
        errors=(401, 403),
    )
)
def create_customer() -> tuple[Response, int]:
    _may_write(api_user())
    customer = services.create_customer(db.session, json_body("CustomerWrite"))
    return jsonify(customer_json(customer)), 201


@bp.get("/customers/<id:customer_id>")
@operation(Operation("Get a customer", TAG, {200: json_response("the customer", ref("Customer"))}))
def get_customer(customer_id: int) -> Response:
    return jsonify(customer_json(_own(api_user(), Customer, customer_id)))


@bp.patch("/customers/<id:customer_id>")
@operation(
    Operation(
        "Change a customer",
        TAG,
        {200: json_response("the customer", ref("Customer"))},
        body=ref("CustomerWrite"),
    )
)
def update_customer(customer_id: int) -> Response:
    user = api_user()
    customer = _own(user, Customer, customer_id)
    _may_write(user)
    return jsonify(
        customer_json(services.update_customer(db.session, customer, json_body("CustomerWrite")))
    )


@bp.get("/customers/<id:customer_id>/contacts")
@operation(
    Operation(
        "Contacts of a customer",
        TAG,
        {200: json_response("contacts", {"type": "array", "items": ref("Contact")})},
    )
)
def list_contacts(customer_id: int) -> Response:
    customer = _own(api_user(), Customer, customer_id)
    rows = _list(Contact, select(Contact).where(Contact.customer_id == customer.id))
    return jsonify([contact_json(c) for c in rows])


@bp.post("/customers/<id:customer_id>/contacts")
@operation(
    Operation(
        "Add a contact",
        TAG,
        {201: json_response("the contact", ref("Contact"))},
        body=ref("ContactWrite"),
    )
)
def create_contact(customer_id: int) -> tuple[Response, int]:
    user = api_user()
    customer = _own(user, Customer, customer_id)
    _may_write(user)
    contact = services.add_contact(db.session, customer, json_body("ContactWrite"))
    return jsonify(contact_json(contact)), 201


@bp.get("/contacts/<id:contact_id>")
@operation(Operation("Get a contact", TAG, {200: json_response("the contact", ref("Contact"))}))
def get_contact(contact_id: int) -> Response:
    return jsonify(contact_json(_own(api_user(), Contact, contact_id)))


@bp.patch("/contacts/<id:contact_id>")
@operation(
    Operation(
        "Change a contact",
        TAG,
        {200: json_response("the contact", ref("Contact"))},
        body=ref("ContactWrite"),
    )
)
def update_contact(contact_id: int) -> Response:
    user = api_user()
    contact = _own(user, Contact, contact_id)
    _may_write(user)
    return jsonify(
        contact_json(services.update_contact(db.session, contact, json_body("ContactWrite")))
    )


@bp.get("/customers/<id:customer_id>/assets")
@operation(
    Operation(
        "Installed base of a customer",
        TAG,
        {200: json_response("assets", {"type": "array", "items": ref("Asset")})},
    )
)
def list_assets(customer_id: int) -> Response:
    customer = _own(api_user(), Customer, customer_id)
    rows = _list(Asset, select(Asset).where(Asset.customer_id == customer.id))
    return jsonify([asset_json(a) for a in rows])


@bp.post("/customers/<id:customer_id>/assets")
@operation(
    Operation(
        "Register an asset",
        TAG,
        {201: json_response("the asset", ref("Asset"))},
        body=ref("AssetWrite"),
    )
)
def create_asset(customer_id: int) -> tuple[Response, int]:
    user = api_user()
    customer = _own(user, Customer, customer_id)
    _may_write(user)
    asset = services.add_asset(db.session, customer, json_body("AssetWrite"))
    return jsonify(asset_json(asset)), 201


@bp.get("/assets/<id:asset_id>")
@operation(Operation("Get an asset", TAG, {200: json_response("the asset", ref("Asset"))}))
def get_asset(asset_id: int) -> Response:
    return jsonify(asset_json(_own(api_user(), Asset, asset_id)))
