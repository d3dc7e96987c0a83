"""Tag synonyms: moderators add and remove them (page and API), a synonym's tag
is merged into the master, asking with a synonym stores the master, the
synonym's tag page redirects, and the search index follows the merge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import changes
from forum.errors import NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.inputs import PostEdit, QuestionDraft, SearchRequest
from forum.models import AuditEntry, Question, Tag, TagSynonym, TagWatch, question_tags
from forum.services import posting, searching, tagging
from moderation import tag_synonyms
from search.query import parse
from tests.factories import ensure_tags, make_question, make_user

BODY = "My laptop drops the wireless connection every few minutes since the update."


@pytest.fixture
def mod(app):
    return make_user("mod_mia", role="moderator")


def state() -> dict:
    """What a refused request must leave alone."""
    db.session.expire_all()
    return {
        "synonyms": sorted(db.session.execute(select(TagSynonym.source, TagSynonym.tag_id)).all()),
        "tags": sorted(db.session.execute(select(Tag.name, Tag.question_count)).all()),
        "links": sorted(db.session.execute(select(question_tags)).all()),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
    }


def tags_of(question_id: int) -> list[str]:
    db.session.expire_all()
    return db.session.get(Question, question_id).tag_names


def count_of(name: str) -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(Tag.question_count).where(Tag.name == name))


# -- the service ----------------------------------------------------------------------

def test_add_list_and_remove(app, mod):
    ensure_tags("wifi", "printer")
    wifi = tag_synonyms.add_synonym(mod, " Wi-Fi ", "wifi")
    tag_synonyms.add_synonym(mod, "wlan", "wifi")
    tag_synonyms.add_synonym(mod, "printers", "printer")
    assert wifi.source == "wi-fi" and wifi.created_by_id == mod.id
    assert [(s.tag.name, s.source) for s in tag_synonyms.list_synonyms()] == [
        ("printer", "printers"), ("wifi", "wi-fi"), ("wifi", "wlan")]
    assert tag_synonyms.synonym_map() == {"printers": "printer", "wi-fi": "wifi", "wlan": "wifi"}
    assert tag_synonyms.canonical_tag("wi-fi") == "wifi"
    assert tag_synonyms.canonical_tag("wifi") == "wifi"
    assert tag_synonyms.canonical_tag("bluetooth") == "bluetooth"
    tag_synonyms.remove_synonym(mod, wifi.id)
    assert tag_synonyms.synonym_map() == {"printers": "printer", "wlan": "wifi"}
    assert tag_synonyms.canonical_tag("wi-fi") == "wi-fi"
    with pytest.raises(NotFound):
        tag_synonyms.remove_synonym(mod, wifi.id)


def test_add_and_remove_are_audited(app, mod):
    ensure_tags("wifi")
    synonym = tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    synonym_id = synonym.id
    tag_synonyms.remove_synonym(mod, synonym_id)
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in entries] == [
        ("tag_synonym.added", mod.id, "tag_synonym", synonym_id),
        ("tag_synonym.removed", mod.id, "tag_synonym", synonym_id),
    ]
    assert all(e.reason == "wi-fi -> wifi" for e in entries)


@pytest.mark.parametrize(("source", "target", "field", "words"), [
    ("wi fi", "wifi", "source", "not a tag name"),
    ("Wi_Fi", "wifi", "source", "not a tag name"),
    ("", "wifi", "source", "Give the synonym"),
    ("x" * 36, "wifi", "source", "at most 35"),
    ("wi-fi", "", "tag", "Give the master tag"),
    ("wifi", "wifi", "source", "itself"),
    ("wi-fi", "bluetooth", "tag", "no tag 'bluetooth'"),
    ("wireless", "wlan", "tag", "synonym of 'wifi'"),      # a chain
    ("wlan", "network", "source", "already a synonym of 'wifi'"),
    ("wifi", "network", "source", "master tag of 'wlan'"),
])
def test_bad_synonyms_are_refused_and_change_nothing(app, mod, source, target, field, words):
    ensure_tags("wifi", "network")
    make_question(tags=("wifi",))
    tag_synonyms.add_synonym(mod, "wlan", "wifi")
    before = state()
    with pytest.raises(ValidationError) as refused:
        tag_synonyms.add_synonym(mod, source, target)
    assert words in refused.value.errors[field]
    assert state() == before


def test_a_chain_names_the_master_to_use(app, mod):
    ensure_tags("wifi")
    tag_synonyms.add_synonym(mod, "wlan", "wifi")
    with pytest.raises(ValidationError) as refused:
        tag_synonyms.add_synonym(mod, "wireless", "wlan")
    assert refused.value.errors["tag"] == (
        "'wlan' is itself a synonym of 'wifi'. Make 'wireless' a synonym of 'wifi' instead.")


@pytest.mark.parametrize("role", ["member", "staff"])
def test_only_moderators_manage_synonyms(app, mod, role):
    ensure_tags("wifi")
    user = make_user(role=role, reputation_points=50_000)
    with pytest.raises(PermissionDenied):
        tag_synonyms.add_synonym(user, "wi-fi", "wifi")
    synonym = tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    with pytest.raises(PermissionDenied):
        tag_synonyms.remove_synonym(user, synonym.id)
    assert tag_synonyms.synonym_map() == {"wi-fi": "wifi"}


def test_admins_manage_synonyms(app):
    ensure_tags("wifi")
    tag_synonyms.add_synonym(make_user(role="admin"), "wi-fi", "wifi")
    assert tag_synonyms.canonical_tag("wi-fi") == "wifi"


# -- applying synonyms when tagging ---------------------------------------------------

def test_asking_with_a_synonym_stores_the_master_without_the_tag_privilege(app, mod):
    ensure_tags("wifi", "windows")
    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    newcomer = make_user(reputation_points=1)      # far below the create-tags privilege
    question = posting.ask_question(newcomer, QuestionDraft(
        title="Laptop keeps dropping the wireless network", body=BODY,
        tags=("wi-fi", "windows", "wifi")))
    assert tags_of(question.id) == ["wifi", "windows"]
    assert db.session.scalar(select(Tag).where(Tag.name == "wi-fi")) is None
    assert count_of("wifi") == 1


def test_editing_tags_maps_synonyms(app, mod):
    ensure_tags("wifi", "windows")
    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    author = make_user()
    question = make_question(author, tags=("windows",))
    posting.edit_post(author, question.id, PostEdit(title=None, body=None,
                                                    tags=("wi-fi", "windows"), comment=""))
    assert tags_of(question.id) == ["wifi", "windows"]
    assert count_of("wifi") == 1 and count_of("windows") == 1


def test_the_map_cache_sees_changes_in_this_process_at_once(app, mod):
    ensure_tags("wifi")
    assert tagging.synonym_map() == {}          # loaded and cached
    synonym = tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    assert tagging.canonical_tag("wi-fi") == "wifi"
    tag_synonyms.remove_synonym(mod, synonym.id)
    assert tagging.synonym_map() == {}


# -- merging an existing tag ----------------------------------------------------------

def test_adding_a_synonym_merges_its_tag_into_the_master(app, mod):
    only_old = make_question(tags=("wi-fi", "windows"))
    both = make_question(tags=("wi-fi", "wifi"))
    only_new = make_question(tags=("wifi",))
    deleted = make_question(tags=("wi-fi",))
    posting.delete_post(mod, deleted.id)
    watcher, both_watcher = make_user(), make_user()
    old_id = db.session.scalar(select(Tag.id).where(Tag.name == "wi-fi"))
    wifi_id = db.session.scalar(select(Tag.id).where(Tag.name == "wifi"))
    with changes.writing():
        db.session.add_all([TagWatch(user_id=watcher.id, tag_id=old_id),
                            TagWatch(user_id=both_watcher.id, tag_id=old_id),
                            TagWatch(user_id=both_watcher.id, tag_id=wifi_id)])
    assert (count_of("wi-fi"), count_of("wifi")) == (2, 2)

    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")

    assert tags_of(only_old.id) == ["wifi", "windows"]
    assert tags_of(both.id) == ["wifi"]
    assert tags_of(only_new.id) == ["wifi"]
    assert tags_of(deleted.id) == ["wifi"]
    assert db.session.scalar(select(Tag).where(Tag.name == "wi-fi")) is None
    assert count_of("wifi") == 3            # the deleted question is not counted
    assert count_of("windows") == 1
    assert sorted(db.session.execute(select(TagWatch.user_id, TagWatch.tag_id)).all()) == sorted(
        [(watcher.id, wifi_id), (both_watcher.id, wifi_id)])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tag_synonym.added"))
    assert '"moved_questions": 3' in entry.details and '"already_tagged": 1' in entry.details


def test_merge_reindexes_the_moved_threads(app, mod):
    question = make_question(title="Laptop drops the network every ten minutes", body=BODY,
                             tags=("wi-fi",))
    ensure_tags("wifi")
    index = searching.get_index()
    assert [h.id for h in index.search(parse("tag:wi-fi")).hits] == [question.id]
    assert [h.id for h in index.search(parse("tag:wifi")).hits] == []

    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")

    found = searching.search_threads(SearchRequest(q="tag:wifi"))
    assert [f.question.id for f in found.items] == [question.id]
    assert [h.id for h in index.search(parse("tag:wifi")).hits] == [question.id]
    assert [h.id for h in index.search(parse("tag:wi-fi")).hits] == []


def test_a_tag_with_synonyms_cannot_become_one(app, mod):
    ensure_tags("wifi", "network")
    tag_synonyms.add_synonym(mod, "wlan", "wifi")
    with pytest.raises(ValidationError):
        tag_synonyms.add_synonym(mod, "wifi", "network")
    assert count_of("wifi") == 0 and tag_synonyms.canonical_tag("wifi") == "wifi"


# -- pages ----------------------------------------------------------------------------

def test_everyone_reads_the_list_without_the_form(client, mod):
    ensure_tags("wifi")
    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    response = client.get("/tags/synonyms")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "wi-fi" in page and "mod_mia" in page
    assert "Add synonym" not in page and "Remove" not in page
    assert "/tags/synonyms" in client.get("/tags").get_data(as_text=True)


def test_moderators_add_and_remove_on_the_page(client, auth, mod):
    ensure_tags("wifi")
    auth.login(mod)
    page = client.get("/tags/synonyms").get_data(as_text=True)
    assert "Add synonym" in page
    response = client.post("/tags/synonyms", data={"source": "wi-fi", "tag": "wifi"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now a synonym of" in page and "Remove" in page
    synonym_id = db.session.scalar(select(TagSynonym.id))
    response = client.post(f"/tags/synonyms/{synonym_id}/delete")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(TagSynonym)) == 0
    assert client.post(f"/tags/synonyms/{synonym_id}/delete").status_code == 404


@pytest.mark.parametrize(("form", "message"), [
    ({"source": "wi fi", "tag": "wifi"}, "is not a tag name"),
    ({"source": "wifi", "tag": "wifi"}, "cannot be a synonym of itself"),
    ({"source": "wi-fi", "tag": "nope"}, "There is no tag"),
])
def test_a_bad_form_shows_the_error_and_changes_nothing(client, auth, mod, form, message):
    ensure_tags("wifi")
    auth.login(mod)
    before = state()
    response = client.post("/tags/synonyms", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert f'value="{form["source"]}"' in page
    assert state() == before


def test_plain_users_get_403_and_anonymous_the_login(client, auth, mod):
    ensure_tags("wifi")
    synonym = tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    before = state()
    response = client.post("/tags/synonyms", data={"source": "wlan", "tag": "wifi"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/tags/synonyms/{synonym.id}/delete")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(make_user(reputation_points=50_000))
    assert client.post("/tags/synonyms", data={"source": "wlan", "tag": "wifi"}).status_code == 403
    assert client.post(f"/tags/synonyms/{synonym.id}/delete").status_code == 403
    assert "Add synonym" not in client.get("/tags/synonyms").get_data(as_text=True)
    assert state() == before


def test_a_synonym_tag_page_redirects_to_the_master(client, mod):
    make_question(tags=("wi-fi",))
    ensure_tags("wifi")
    assert client.get("/tags/wi-fi").status_code == 200
    tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    response = client.get("/tags/wi-fi?sort=votes")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/tags/wifi?sort=votes")
    assert client.get("/tags/wifi").status_code == 200


# -- API ------------------------------------------------------------------------------

def test_api_add_list_remove(client, api, mod):
    ensure_tags("wifi")
    response = api.post(mod, "/api/v1/tags/synonyms", json={"source": "wi-fi", "tag": "wifi"})
    assert response.status_code == 201
    item = response.get_json()
    assert set(item) == {"id", "source", "tag", "created_at"}
    assert (item["source"], item["tag"]) == ("wi-fi", "wifi")
    assert api.get(None, "/api/v1/tags/synonyms").get_json() == {"items": [item]}
    response = api.delete(mod, f"/api/v1/tags/synonyms/{item['id']}")
    assert response.status_code == 204 and response.data == b""
    assert api.get(None, "/api/v1/tags/synonyms").get_json() == {"items": []}
    response = api.delete(mod, f"/api/v1/tags/synonyms/{item['id']}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("payload", "field"), [
    ({"source": "wi fi", "tag": "wifi"}, "source"),
    ({"source": "wifi", "tag": "wifi"}, "source"),
    ({"source": "wi-fi", "tag": "nope"}, "tag"),
    ({"source": "wireless", "tag": "wlan"}, "tag"),
    ({"source": "wlan", "tag": "wifi"}, "source"),
    ({"source": 7, "tag": ["wifi"]}, "source"),
])
def test_api_refuses_bad_synonyms_with_fields(client, api, mod, payload, field):
    ensure_tags("wifi")
    tag_synonyms.add_synonym(mod, "wlan", "wifi")
    before = state()
    response = api.post(mod, "/api/v1/tags/synonyms", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert state() == before


def test_api_permissions(client, api, mod):
    ensure_tags("wifi")
    synonym = tag_synonyms.add_synonym(mod, "wi-fi", "wifi")
    body = {"source": "wlan", "tag": "wifi"}
    assert api.post(None, "/api/v1/tags/synonyms", json=body).status_code == 401
    assert api.delete(None, f"/api/v1/tags/synonyms/{synonym.id}").status_code == 401
    member = make_user(reputation_points=50_000)
    response = api.post(member, "/api/v1/tags/synonyms", json=body)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert api.delete(member, f"/api/v1/tags/synonyms/{synonym.id}").status_code == 403
    assert tag_synonyms.synonym_map() == {"wi-fi": "wifi"}
