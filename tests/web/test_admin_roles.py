"""The admin roles page: who may use it, finding people, changing a role."""

import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import User, utcnow
from forum.signals import staff_action
from tests.factories import make_user


def role_of(user) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).role


@pytest.fixture
def staff_actions():
    received = []

    def receiver(sender, **kwargs):
        received.append((sender.id, kwargs["action"], kwargs["target"], kwargs["reason"]))

    staff_action.connect(receiver)
    yield received
    staff_action.disconnect(receiver)


# ------------------------------------------------------------ who may use it

def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    target = make_user()
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 302
    assert role_of(target) == "member"


@pytest.mark.parametrize("role", ["member", "staff", "moderator"])
def test_non_admins_are_refused_and_change_nothing(client, auth, staff_actions, role):
    target = make_user()
    auth.login(make_user(role=role))
    assert client.get("/admin/users").status_code == 403
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 403
    assert role_of(target) == "member"
    assert staff_actions == []


def test_suspended_admin_is_refused(client, auth):
    admin = make_user(role="admin")
    admin.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    auth.login(admin)
    assert client.get("/admin/users").status_code == 403


# ------------------------------------------------------------ the list

def test_admin_sees_users_with_a_labelled_role_select(client, auth):
    admin = make_user("boss", role="admin")
    carol = make_user("carol", role="moderator")
    auth.login(admin)
    response = client.get("/admin/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<caption" in page and 'scope="col"' in page
    assert f'<label class="visually-hidden" for="role-{carol.id}">Role for carol</label>' in page
    select = re.search(rf'<select[^>]*id="role-{carol.id}".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="moderator" selected>', select)
    assert f'action="/admin/users/{carol.id}/role"' in page
    assert "Change<span" in page


def test_search_by_name_and_pagination(client, auth):
    admin = make_user("boss", role="admin")
    for i in range(25):
        make_user(f"tester{i:02d}")
    make_user("someone")
    auth.login(admin)
    page = client.get("/admin/users", query_string={"q": "TESTER"}).get_data(as_text=True)
    assert "25 users" in page
    assert "tester00" in page and "someone" not in page
    assert 'value="TESTER"' in page or 'value="tester"' in page.lower()
    second = client.get("/admin/users", query_string={"q": "tester", "page": 2}).get_data(as_text=True)
    assert "tester24" in second and "tester00" not in second
    assert "No user name contains" in client.get(
        "/admin/users", query_string={"q": "zzz"}).get_data(as_text=True)


# ------------------------------------------------------------ changing a role

def test_admin_changes_a_role(client, auth, staff_actions):
    admin = make_user("boss", role="admin")
    dave = make_user("dave")
    auth.login(admin)
    response = client.post(f"/admin/users/{dave.id}/role",
                           data={"role": "staff", "q": "da", "page": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/users?q=da")
    assert role_of(dave) == "staff"
    assert staff_actions == [(admin.id, "user.role", ("user", dave.id), "member -> staff")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "dave is now staff." in page


def test_unknown_role_is_refused_with_a_form_error(client, auth, staff_actions):
    admin = make_user(role="admin")
    dave = make_user("dave")
    auth.login(admin)
    response = client.post(f"/admin/users/{dave.id}/role", data={"role": "overlord"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Role must be one of" in page
    assert f'aria-describedby="role-{dave.id}-error"' in page
    assert role_of(dave) == "member"
    assert staff_actions == []


def test_last_admin_cannot_demote_themselves(client, auth):
    admin = make_user(role="admin")
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "member"})
    assert response.status_code == 422
    assert "last admin" in response.get_data(as_text=True)
    assert role_of(admin) == "admin"


def test_an_admin_may_step_down_when_another_admin_remains(client, auth):
    admin = make_user(role="admin")
    other = make_user(role="admin")
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "staff"})
    assert response.status_code == 303
    assert role_of(admin) == "staff"
    assert role_of(other) == "admin"
    # No longer an admin: the page is closed to them now.
    assert client.get("/admin/users").status_code == 403


def test_unknown_user_is_404(client, auth):
    auth.login(make_user(role="admin"))
    assert client.post("/admin/users/999999/role", data={"role": "staff"}).status_code == 404


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_role_change_needs_the_csrf_token(client, config_overrides):
    admin = make_user(role="admin")
    dave = make_user("dave")
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    page = client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/admin/users/{dave.id}/role", data={"role": "staff"}).status_code == 400
    assert role_of(dave) == "member"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/users/{dave.id}/role",
                           data={"role": "staff", "csrf_token": token})
    assert response.status_code == 303
    assert role_of(dave) == "staff"
