"""Admin: the list of products, their versions and owners (admins only).

Also gives templates the products' versions (the ask form's version choice and
the staff verification's "checked against" choice), read once per request.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from forum.services import products

bp = Blueprint("products", __name__)


@bp.app_template_global()
def product_version_choices() -> list[tuple[str, list[str]]]:
    """(product, versions) for every product with versions."""
    return products.version_choices()


@bp.app_template_global()
def product_versions(product: str | None) -> list[str]:
    return products.version_names(product)


def _page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    return render_template("products/admin.html", products=products.list_products(),
                           errors=errors or {}, form=form or {}), status


@bp.route("/admin/products")
@login_required
def index():
    permissions.require("manage_products", current_user)
    return _page()


def _done(message: str, anchor: str | None = None):
    flash(message, "success")
    return redirect(url_for("products.index", _anchor=anchor), 303)


@bp.route("/admin/products", methods=["POST"])
@login_required
def create():
    permissions.require("manage_products", current_user)
    try:
        product = products.create_product(current_user, products.parse_product(request.form))
    except ValidationError as e:
        return _page({"new": e.errors}, {"new": request.form}, 422)
    return _done(f"Product {product.name} added.", f"product-{product.id}")


@bp.route("/admin/products/<int:product_id>", methods=["POST"])
@login_required
def update(product_id: int):
    permissions.require("manage_products", current_user)
    try:
        product = products.update_product(current_user, product_id,
                                          products.parse_product(request.form))
    except ValidationError as e:
        return _page({product_id: e.errors}, {product_id: request.form}, 422)
    return _done(f"Product {product.name} saved.", f"product-{product.id}")


@bp.route("/admin/products/<int:product_id>/versions", methods=["POST"])
@login_required
def add_version(product_id: int):
    permissions.require("manage_products", current_user)
    try:
        version = products.add_version(current_user, product_id,
                                       products.parse_version(request.form))
    except ValidationError as e:
        key = f"v{product_id}"
        return _page({key: e.errors}, {key: request.form}, 422)
    return _done(f"Version {version.name} added.", f"product-{product_id}")


@bp.route("/admin/products/<int:product_id>/versions/<int:version_id>/delete", methods=["POST"])
@login_required
def remove_version(product_id: int, version_id: int):
    permissions.require("manage_products", current_user)
    product = products.remove_version(current_user, product_id, version_id)
    return _done(f"Version removed from {product.name}.", f"product-{product.id}")
