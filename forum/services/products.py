"""Products and their versions as data: the list admins keep.

The forms offer the products in the `products` table; while it is empty they
offer the PRODUCTS setting, as before. A question stores the product's and the
version's names, so a thread keeps them whatever happens to the list later.
Product owners (company staff) get the weekly recurring-issue digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, request
from sqlalchemy import func, select

from forum import changes, permissions
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.models import Product, ProductVersion, User
from forum.signals import record_staff_action

NAME_MAX = 100
VERSION_MAX = 50
OWNERS_MAX = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CACHE_KEY = "crowdfix.product_catalog"


@dataclass(frozen=True)
class ProductDraft:
    name: str
    owners: tuple[str, ...] | None = None       # usernames; None leaves owners as they are


@dataclass(frozen=True)
class VersionDraft:
    name: str
    released_on: date | None = None


# -- reading ---------------------------------------------------------------------------

def list_products() -> list[Product]:
    return list(db.session.scalars(select(Product).order_by(func.lower(Product.name))))


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    return product


def find_product(name: str | None) -> Product | None:
    if not name:
        return None
    return db.session.scalar(select(Product).where(Product.name == name))


def _catalog() -> dict[str, list[str]]:
    """{product name: [version names]} from the table, or from PRODUCTS (no
    versions) while the table is empty; cached for the request."""
    cache = request.environ if has_request_context() else {}   # per request, not per app context
    if _CACHE_KEY in cache:
        return cache[_CACHE_KEY]
    rows = db.session.execute(
        select(Product.name, ProductVersion.name)
        .outerjoin(ProductVersion, ProductVersion.product_id == Product.id)
        .order_by(func.lower(Product.name), Product.id, ProductVersion.position, ProductVersion.id)
    ).all()
    if rows:                                  # one query, whatever the page
        catalog: dict[str, list[str]] = {}
        for product, version in rows:
            catalog.setdefault(product, [])
            if version is not None:
                catalog[product].append(version)
    else:
        catalog = {name: [] for name in current_app.config.get("PRODUCTS") or []}
    cache[_CACHE_KEY] = catalog
    return catalog


def _forget() -> None:
    """A change to the list: the next read in this request reads it again."""
    if has_request_context():
        request.environ.pop(_CACHE_KEY, None)


def product_names() -> list[str]:
    """What the ask form and the staff desk offer."""
    return list(_catalog())


def version_names(product: str | None) -> list[str]:
    """The versions of the named product, oldest first ([] for none or unknown)."""
    return list(_catalog().get(product or "", []))


def version_choices() -> list[tuple[str, list[str]]]:
    """(product, versions) for every product that has versions."""
    return [(name, versions) for name, versions in _catalog().items() if versions]


def check_product(product: str | None, version: str | None, errors: dict[str, str]) -> None:
    """A question's product and version: each one of the listed ones, and a
    version only with its product."""
    catalog = _catalog()
    if product and catalog and product not in catalog:
        errors["product"] = "Choose one of the listed products."
        return
    if version:
        if not product:
            errors["product_version"] = "Choose the product this version belongs to."
        elif version not in catalog.get(product, []):
            errors["product_version"] = f"Choose one of the listed versions of {product}."


class _LazyNames:
    """The product names for templates, read from the database only when a
    page actually shows them."""

    def _names(self) -> list[str]:
        return product_names()

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __bool__(self) -> bool:
        return bool(self._names())

    def __contains__(self, item) -> bool:
        return item in self._names()


lazy_product_names = _LazyNames()


# -- changing --------------------------------------------------------------------------

def _clean(value, field: str, label: str, longest: int, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        errors[field] = f"{label} must be text."
        return None
    value = re.sub(r"\s+", " ", value).strip()
    if not value:
        errors[field] = f"{label} is required."
    elif len(value) > longest:
        errors[field] = f"{label} must be at most {longest} characters."
    elif _CONTROL.search(value):
        errors[field] = f"{label} may not contain control characters."
    else:
        return value
    return None


def parse_product(data) -> ProductDraft:
    """A product from a form or JSON: `name`, optional `owners` (a list of
    usernames, or a string of them separated by commas or spaces)."""
    errors: dict[str, str] = {}
    name = _clean(data.get("name"), "name", "Product name", NAME_MAX, errors)
    owners = data.get("owners")
    parsed: tuple[str, ...] | None = None
    if owners is not None:
        if isinstance(owners, str):
            owners = [o for o in re.split(r"[\s,]+", owners) if o]
        if not isinstance(owners, list) or not all(isinstance(o, str) for o in owners):
            errors["owners"] = "Owners must be a list of usernames."
        elif len(owners) > OWNERS_MAX:
            errors["owners"] = f"Name at most {OWNERS_MAX} owners."
        else:
            parsed = tuple(dict.fromkeys(o.strip().lstrip("@") for o in owners if o.strip()))
    if errors:
        raise ValidationError(errors)
    return ProductDraft(name=name, owners=parsed)


def parse_version(data) -> VersionDraft:
    """A version from a form or JSON: `name`, optional `released_on` (YYYY-MM-DD)."""
    errors: dict[str, str] = {}
    name = _clean(data.get("name"), "name", "Version name", VERSION_MAX, errors)
    released = data.get("released_on")
    released_on = None
    if released not in (None, ""):
        try:
            released_on = date.fromisoformat(released) if isinstance(released, str) else None
        except ValueError:
            released_on = None
        if released_on is None:
            errors["released_on"] = "Release date must be a date like 2026-03-31."
    if errors:
        raise ValidationError(errors)
    return VersionDraft(name=name, released_on=released_on)


def _owners(usernames: tuple[str, ...]) -> list[User]:
    users = list(db.session.scalars(
        select(User).where(User.username_lower.in_([u.lower() for u in usernames]))))
    found = {u.username_lower for u in users}
    missing = [u for u in usernames if u.lower() not in found]
    if missing:
        raise ValidationError({"owners": f"No user named {missing[0][:40]}."})
    not_staff = [u.username for u in users if not u.is_company_staff]
    if not_staff:
        raise ValidationError({"owners": f"{not_staff[0]} is not company staff: "
                                         "only staff can own a product."})
    return users


def _name_taken(name: str, product_id: int | None = None) -> bool:
    stmt = select(Product.id).where(func.lower(Product.name) == name.lower())
    if product_id is not None:
        stmt = stmt.where(Product.id != product_id)
    return db.session.scalar(stmt) is not None


@changes.transaction
def create_product(user, draft: ProductDraft) -> Product:
    permissions.require("manage_products", user)
    _forget()
    if _name_taken(draft.name):
        raise ValidationError({"name": f"There is already a product named {draft.name}."})
    product = Product(name=draft.name)
    product.owners = _owners(draft.owners) if draft.owners else []
    db.session.add(product)
    db.session.flush()
    record_staff_action(user, "product.created", ("product", product.id))
    return product


@changes.transaction
def update_product(user, product_id: int, draft: ProductDraft) -> Product:
    """Rename a product (threads keep the name they were asked with) and/or set its owners."""
    permissions.require("manage_products", user)
    _forget()
    product = get_product(product_id)
    if _name_taken(draft.name, product.id):
        raise ValidationError({"name": f"There is already a product named {draft.name}."})
    product.name = draft.name
    if draft.owners is not None:
        product.owners = _owners(draft.owners)
    record_staff_action(user, "product.updated", ("product", product.id))
    return product


@changes.transaction
def add_version(user, product_id: int, draft: VersionDraft) -> ProductVersion:
    """A new version, last in the product's order."""
    permissions.require("manage_products", user)
    _forget()
    product = get_product(product_id)
    if draft.name.lower() in {v.lower() for v in product.version_names}:
        raise ValidationError({"name": f"{product.name} already has a version {draft.name}."})
    position = max((v.position for v in product.versions), default=0) + 1
    version = ProductVersion(name=draft.name, released_on=draft.released_on, position=position)
    product.versions.append(version)
    db.session.flush()
    record_staff_action(user, "product.version_added", ("product", product.id))
    return version


@changes.transaction
def remove_version(user, product_id: int, version_id: int) -> Product:
    """Stop offering a version (threads asked about it keep its name)."""
    permissions.require("manage_products", user)
    _forget()
    product = get_product(product_id)
    version = db.session.get(ProductVersion, version_id)
    if version is None or version.product_id != product.id:
        raise NotFound(f"Version {version_id} of {product.name} does not exist.")
    product.versions.remove(version)
    record_staff_action(user, "product.version_removed", ("product", product.id))
    return product


def seed_from_config() -> int:
    """Add the PRODUCTS setting's names that the table lacks (the demo and `flask
    insights products-seed`); returns how many were added. No actor: a setup step."""
    have = {p.name.lower() for p in list_products()}
    added = 0
    for name in current_app.config.get("PRODUCTS") or []:
        if name.lower() not in have:
            db.session.add(Product(name=name[:NAME_MAX]))
            have.add(name.lower())
            added += 1
    db.session.commit()
    _forget()
    return added
