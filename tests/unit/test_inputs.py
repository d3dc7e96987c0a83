"""Input parsing shared by pages and API."""

import pytest

from forum import inputs


@pytest.mark.parametrize(("raw", "expected"), [
    ("wifi windows-11", ("wifi", "windows-11")),
    ("WiFi, Windows-11 wifi", ("wifi", "windows-11")),
    (["c++", "c#", ".net"], ("c++", "c#", ".net")),
])
def test_tags_are_normalised(app, raw, expected):
    errors = {}
    assert inputs.parse_tags(raw, errors) == expected
    assert errors == {}


@pytest.mark.parametrize("raw", ["", [], "a b c d e f", "bad_tag", "x" * 36, 5, [1, 2], "ümlaut"])
def test_bad_tags_are_refused(app, raw):
    errors = {}
    inputs.parse_tags(raw, errors)
    assert "tags" in errors


def test_question_title_whitespace_is_collapsed(app):
    draft, errors = inputs.parse_question({
        "title": "  Printer   offline\tafter update  ", "body": "b" * 40, "tags": "printing"})
    assert errors == {}
    assert draft.title == "Printer offline after update"


def test_product_must_be_configured_one(app):
    app.config["PRODUCTS"] = ["AeroBook laptops"]
    _, errors = inputs.parse_question({"title": "t" * 20, "body": "b" * 40, "tags": "x",
                                       "product": "Other"})
    assert "product" in errors
    draft, errors = inputs.parse_question({"title": "t" * 20, "body": "b" * 40, "tags": "x",
                                           "product": "AeroBook laptops"})
    assert draft.product == "AeroBook laptops"


@pytest.mark.parametrize(("value", "ok"), [(1, True), (-1, True), (0, True), ("1", True),
                                           ("-1", True), (2, False), ("x", False), (None, False),
                                           (True, False), (1.5, False)])
def test_vote_values(app, value, ok):
    parsed, errors = inputs.parse_vote({"value": value})
    assert (not errors) == ok


def test_password_containing_username_is_refused(app):
    _, errors = inputs.parse_registration({"username": "maria", "email": "m@example.com",
                                           "password": "maria-is-great-2026"})
    assert "username" in errors["password"]


def test_list_query_clamps(app):
    query = inputs.parse_list_query({"page": "-3", "per_page": "1000", "sort": "bogus"}, 20)
    assert (query.page, query.per_page, query.sort) == (1, 100, "newest")


def test_nul_characters_are_removed(app):
    draft, errors = inputs.parse_question({"title": "Printer\x00 offline after update",
                                           "body": "b\x00" * 40, "tags": "printing"})
    assert "\x00" not in draft.title and "\x00" not in draft.body
