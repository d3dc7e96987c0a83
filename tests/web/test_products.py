"""Products and versions as data: the admin page and API, the ask form's
product and version, and the version a staff verification was checked against."""

import pytest

from forum.extensions import db
from forum.models import Answer, AuditEntry, Product, ProductVersion, Question
from forum.services import products
from tests.factories import ensure_tags, make_answer, make_question, make_user

BODY = "The printer says offline after every update, and power cycling does not help."


def count(model) -> int:
    return db.session.query(model).count()


@pytest.fixture
def admin(app):
    return make_user(role="admin")


def add_product(admin, name="PixelJet printers", versions=("3.0", "3.1"), owners=()):
    product = products.create_product(admin, products.ProductDraft(name=name, owners=tuple(owners)))
    for v in versions:
        products.add_version(admin, product.id, products.VersionDraft(name=v))
    return product


# ------------------------------------------------------------------ the admin page

@pytest.mark.parametrize("role, status", [(None, 302), ("member", 403), ("staff", 403),
                                          ("moderator", 403), ("admin", 200)])
def test_only_admins_see_the_products_page(client, auth, role, status):
    if role:
        auth.login(make_user(role=role))
    assert client.get("/admin/products").status_code == status


def test_admin_adds_a_product_with_owners_and_versions(client, auth, admin):
    owner = make_user("Priya", role="staff")
    auth.login(admin)
    response = client.post("/admin/products", data={"name": "  PixelJet   printers ",
                                                     "owners": "priya"})
    assert response.status_code == 303
    product = db.session.query(Product).one()
    assert product.name == "PixelJet printers"
    assert [u.id for u in product.owners] == [owner.id]
    response = client.post(f"/admin/products/{product.id}/versions",
                           data={"name": "3.1", "released_on": "2026-10-01"})
    assert response.status_code == 303
    page = client.get("/admin/products").get_data(as_text=True)
    assert "PixelJet printers" in page and "3.1" in page and "2026-10-01" in page
    assert "Priya" in page
    assert db.session.query(AuditEntry).filter_by(action="product.created").count() == 1


@pytest.mark.parametrize("url, data, message", [
    ("/admin/products", {"name": ""}, "Product name is required."),
    ("/admin/products", {"name": "x" * 101}, "at most 100 characters"),
    ("/admin/products", {"name": "pixeljet PRINTERS"}, "There is already a product named"),
    ("/admin/products", {"name": "AeroBook", "owners": "nobody-here"}, "No user named nobody-here"),
    ("/admin/products", {"name": "AeroBook", "owners": "memberjoe"}, "is not company staff"),
    ("/admin/products/{id}/versions", {"name": "3.0"}, "already has a version 3.0"),
    ("/admin/products/{id}/versions", {"name": "4.0", "released_on": "soon"},
     "Release date must be a date"),
    ("/admin/products/{id}/versions", {"name": ""}, "Version name is required."),
])
def test_bad_product_input_is_refused_and_changes_nothing(client, auth, admin, url, data, message):
    make_user("memberjoe")
    product = add_product(admin, versions=("3.0",))
    before = (count(Product), count(ProductVersion))
    auth.login(admin)
    response = client.post(url.format(id=product.id), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (count(Product), count(ProductVersion)) == before


def test_admin_removes_a_version_and_threads_keep_its_name(client, auth, admin):
    product = add_product(admin)
    question = make_question(product="PixelJet printers")
    with db.session.begin_nested():
        db.session.get(Question, question.id).product_version = "3.0"
    db.session.commit()
    auth.login(admin)
    version = next(v for v in product.versions if v.name == "3.0")
    response = client.post(f"/admin/products/{product.id}/versions/{version.id}/delete")
    assert response.status_code == 303
    db.session.expire_all()
    assert products.version_names("PixelJet printers") == ["3.1"]
    assert db.session.get(Question, question.id).product_version == "3.0"


# ------------------------------------------------------------------ the API

def test_api_lists_products_and_admins_add_them(api, admin):
    staff = make_user(role="staff")
    add_product(admin, owners=(staff.username,))
    listed = api.get(None, "/api/v1/products").get_json()["products"]
    assert listed == [{"id": listed[0]["id"], "name": "PixelJet printers", "versions": [
        {"id": listed[0]["versions"][0]["id"], "name": "3.0", "position": 1, "released_on": None},
        {"id": listed[0]["versions"][1]["id"], "name": "3.1", "position": 2, "released_on": None}]}]
    assert api.get(staff, "/api/v1/products").get_json()["products"][0]["owners"] == [
        {"id": staff.id, "username": staff.username}]
    response = api.post(admin, "/api/v1/products", json={"name": "AeroBook laptops"})
    assert response.status_code == 201
    product_id = response.get_json()["product"]["id"]
    response = api.post(admin, f"/api/v1/products/{product_id}/versions",
                        json={"name": "2026.1", "released_on": "2026-01-15"})
    assert response.status_code == 201
    assert response.get_json()["product"]["versions"][0]["released_on"] == "2026-01-15"


@pytest.mark.parametrize("role, url, body, status, code", [
    (None, "/api/v1/products", {"name": "X product"}, 401, "unauthorized"),
    ("staff", "/api/v1/products", {"name": "X product"}, 403, "forbidden"),
    ("admin", "/api/v1/products", {"name": 7}, 422, "validation_failed"),
    ("admin", "/api/v1/products", {"name": "X", "owners": "not-a-user"}, 422, "validation_failed"),
    ("admin", "/api/v1/products", {"name": "PixelJet printers"}, 422, "validation_failed"),
    ("admin", "/api/v1/products/{id}/versions", {"name": "3.1"}, 422, "validation_failed"),
    ("admin", "/api/v1/products/{id}/versions", {"name": "4", "released_on": 20260101}, 422,
     "validation_failed"),
    ("admin", "/api/v1/products/9999/versions", {"name": "4"}, 404, "not_found"),
])
def test_api_refuses_bad_product_input(api, admin, role, url, body, status, code):
    product = add_product(admin)
    before = (count(Product), count(ProductVersion))
    user = admin if role == "admin" else (make_user(role=role) if role else None)
    response = api.post(user, url.format(id=product.id), json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    db.session.expire_all()
    assert (count(Product), count(ProductVersion)) == before


# ------------------------------------------------------------------ asking

def test_ask_form_offers_the_table_products_and_stores_the_version(client, auth, admin, app):
    app.config["PRODUCTS"] = ["Old config product"]
    ensure_tags("wifi")
    auth.login(make_user(reputation_points=50))
    page = client.get("/ask").get_data(as_text=True)
    assert "Old config product" in page                  # the table is empty: PRODUCTS
    add_product(admin)
    page = client.get("/ask").get_data(as_text=True)
    assert "Old config product" not in page
    assert '<optgroup label="PixelJet printers">' in page and ">PixelJet printers 3.1<" in page
    response = client.post("/ask", data={"title": "Printer offline after the 3.1 update",
                                         "body": BODY, "tags": "wifi",
                                         "product": "PixelJet printers", "product_version": "3.1"})
    assert response.status_code == 303
    question = db.session.query(Question).one()
    assert (question.product, question.product_version) == ("PixelJet printers", "3.1")


@pytest.mark.parametrize("data, message", [
    ({"product": "PixelJet printers", "product_version": "9.9"},
     "Choose one of the listed versions of PixelJet printers."),
    ({"product": "", "product_version": "3.1"}, "Choose the product this version belongs to."),
    ({"product": "Old config product"}, "Choose one of the listed products."),
])
def test_ask_refuses_a_version_that_is_not_listed(client, auth, admin, data, message):
    add_product(admin)
    ensure_tags("wifi")
    auth.login(make_user(reputation_points=50))
    response = client.post("/ask", data={"title": "Printer offline after the 3.1 update",
                                         "body": BODY, "tags": "wifi", **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Question) == 0


# ------------------------------------------------------------------ verification

def test_verification_records_the_version_it_was_checked_against(client, auth, admin):
    add_product(admin)
    staff = make_user(role="staff")
    question = make_question(product="PixelJet printers")
    db.session.get(Question, question.id).product_version = "3.0"
    db.session.commit()
    first, second = make_answer(question), make_answer(question)
    auth.login(staff)
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    if "Checked against" not in page:            # /questions/<id> redirects to the slug
        page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert '<option value="3.0" selected>PixelJet printers 3.0</option>' in page
    assert "Product:</span> PixelJet printers 3.0</span>" in page
    assert client.post(f"/answers/{first.id}/official").status_code == 303   # the default
    assert client.post(f"/answers/{second.id}/official",
                       data={"version": "3.1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Answer, first.id).official_version == "3.0"
    assert db.session.get(Answer, second.id).official_version == "3.1"
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "checked against version 3.1" in page


def test_verification_with_a_version_not_listed_is_refused(api, admin):
    add_product(admin)
    staff = make_user(role="staff")
    question = make_question(product="PixelJet printers")
    answer = make_answer(question)
    response = api.post(staff, f"/api/v1/answers/{answer.id}/official", json={"version": "7"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).official_at is None
    response = api.post(staff, f"/api/v1/answers/{answer.id}/official", json={"version": "3.1"})
    assert response.status_code == 200
    assert response.get_json()["official"]["version"] == "3.1"


def test_staff_desk_filters_by_product_and_version(client, auth, admin):
    add_product(admin)
    old = make_question(title="Printer offline with driver three point oh", product="PixelJet printers")
    new = make_question(title="Printer offline with driver three point one", product="PixelJet printers")
    db.session.get(Question, old.id).product_version = "3.0"
    db.session.get(Question, new.id).product_version = "3.1"
    db.session.commit()
    auth.login(make_user(role="staff"))
    page = client.get("/staff", query_string={"tab": "community", "product": "PixelJet printers",
                                              "version": "3.1"}).get_data(as_text=True)
    assert '<select class="input select" id="desk-version" name="version"' in page
    assert new.title in page and old.title not in page
    page = client.get("/staff", query_string={"tab": "community", "product": "PixelJet printers"}
                      ).get_data(as_text=True)
    assert new.title in page and old.title in page


def test_api_question_takes_a_version(api, admin):
    add_product(admin)
    from tests.factories import ensure_tags

    ensure_tags("wifi")
    user = make_user(reputation_points=50)
    response = api.post(user, "/api/v1/questions", json={
        "title": "Printer offline after the 3.1 update", "body": BODY, "tags": ["wifi"],
        "product": "PixelJet printers", "product_version": "3.1"})
    assert response.status_code == 201
    assert response.get_json()["product_version"] == "3.1"
    response = api.post(user, "/api/v1/questions", json={
        "title": "Printer offline after the 9.9 update", "body": BODY, "tags": ["wifi"],
        "product": "PixelJet printers", "product_version": "9.9"})
    assert response.status_code == 422
