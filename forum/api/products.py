"""API v1: products and their versions (admins change them), recurring issues (staff)."""

from __future__ import annotations

from flask import g, jsonify, request

from forum import permissions
from forum.api import api_user, bp, json_body
from forum.api.serialize import question_url
from forum.services import products, recurring, recurring_report


def _product(p, *, owners: bool) -> dict:
    data = {"id": p.id, "name": p.name,
            "versions": [{"id": v.id, "name": v.name, "position": v.position,
                          "released_on": v.released_on.isoformat() if v.released_on else None}
                         for v in p.versions]}
    if owners:
        data["owners"] = [{"id": u.id, "username": u.username} for u in p.owners]
    return data


@bp.get("/products")
def list_products():
    """Anyone: the products and versions the ask form offers; staff also see owners."""
    user = g.get("api_user")
    staff = bool(user is not None and user.is_company_staff)
    return jsonify(products=[_product(p, owners=staff) for p in products.list_products()])


@bp.post("/products")
def create_product():
    user = api_user()
    permissions.require("manage_products", user)
    product = products.create_product(user, products.parse_product(json_body()))
    return jsonify(product=_product(product, owners=True)), 201


@bp.post("/products/<int:product_id>/versions")
def add_version(product_id: int):
    user = api_user()
    permissions.require("manage_products", user)
    version = products.add_version(user, product_id, products.parse_version(json_body()))
    return jsonify(product=_product(version.product, owners=True),
                   version={"id": version.id, "name": version.name}), 201


@bp.get("/insights/recurring")
def recurring_issues():
    permissions.require("staff_desk", api_user())
    filters = recurring.parse_filters(request.args)
    groups: list[recurring.Group] = []
    issues = recurring.ranked(filters.days, filters.product, filters.version, groups=groups)
    return jsonify(days=filters.days, product=filters.product, version=filters.version,
                   weights=recurring_report.weights(),
                   issues=[recurring_report.as_json(i, question_url(i.question)) for i in issues],
                   groups=[{"product": g.product, "version": g.version, "threads": g.threads,
                            "score": g.score} for g in groups])
