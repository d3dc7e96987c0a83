"""The OpenAPI document at /api/v1/openapi.json matches the app: every API route is
described (with each method), nothing described is missing from the app, every
`$ref` resolves, and the fields the API returns are the ones documented."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_answer, make_question, make_user

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    return r.get_json()


def openapi_path(rule: str) -> str:
    """`/api/v1/questions/<int:question_id>` -> `/api/v1/questions/{question_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            methods = {m.lower() for m in rule.methods - IGNORED_METHODS}
            routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    return routes


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def resolve(spec, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/components/schemas/"), ref
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]


def properties(spec, schema: dict) -> dict:
    """All documented properties of a schema, through `$ref` and `allOf`."""
    schema = resolve(spec, schema)
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(properties(spec, part))
    return props


def response_schema(spec, path: str, method: str, status: str) -> dict:
    response = spec["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]


# ---------------------------------------------------------------- the document

def test_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["paths"]


def test_every_api_route_is_documented(app, spec):
    """Fails when a route is added under /api/v1 without describing it."""
    routes = api_routes(app)
    assert routes, "no /api/v1 routes found"
    missing = []
    for path, methods in sorted(routes.items()):
        documented = {m for m in spec["paths"].get(path, {}) if m in HTTP_METHODS}
        missing += [f"{m.upper()} {path}" for m in sorted(methods - documented)]
    assert not missing, f"routes missing from openapi.json: {missing}"


def test_every_documented_operation_exists(app, spec):
    """No stale documentation: each path and method in the spec is served."""
    routes = api_routes(app)
    stale = [f"{method.upper()} {path}" for path, method, _ in operations(spec)
             if method not in routes.get(path, set())]
    assert not stale, f"documented but not routed: {stale}"


def test_every_ref_resolves(spec):
    schemas = spec["components"]["schemas"]
    refs: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert refs
    broken = [r for r in refs
              if not r.startswith("#/components/schemas/") or r.rsplit("/", 1)[1] not in schemas]
    assert not broken, broken


def test_path_parameters_are_declared(spec):
    for path, method, op in operations(spec):
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == in_path, f"{method.upper()} {path}"
        for p in op.get("parameters", []):
            if p["in"] == "path":
                assert p["required"] is True


def test_operations_have_responses_and_writes_need_a_token(spec):
    schemes = spec["components"]["securitySchemes"]
    for path, method, op in operations(spec):
        assert op.get("summary"), f"{method.upper()} {path}"
        assert any(code.startswith("2") for code in op["responses"]), f"{method.upper()} {path}"
        for requirement in op.get("security", []):
            assert set(requirement) <= set(schemes)
        if method in {"post", "patch", "put", "delete"}:
            assert op.get("security"), f"{method.upper()} {path} documents no security"
            assert "401" in op["responses"], f"{method.upper()} {path} documents no 401"
        for code, response in op["responses"].items():
            assert response.get("description"), f"{method.upper()} {path} {code}"
            if code.startswith(("4", "5")) and "content" in response:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


def test_error_schema_matches_the_error_shape(spec):
    error = properties(spec, {"$ref": "#/components/schemas/Error"})["error"]
    assert set(error["required"]) == {"code", "message"}
    assert {"code", "message", "fields"} <= set(error["properties"])


# ---------------------------------------------------------------- the document matches the API

def documented(spec, schema) -> set[str]:
    return set(properties(spec, schema))


def test_documented_fields_cover_the_responses(app, api, spec):
    """Every field the API returns is described, and DESIGN's fields are all there."""
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q)
    voter = make_user(reputation_points=50)
    comment = api.post(voter, f"/api/v1/posts/{a.id}/comments",
                       json={"body": "Which driver version did you install?"})
    assert comment.status_code == 201

    listing = api.get(None, "/api/v1/questions").get_json()
    list_schema = response_schema(spec, "/api/v1/questions", "get", "200")
    assert set(listing) <= documented(spec, list_schema)
    summary = documented(spec, list_schema["properties"]["questions"]["items"])
    assert set(listing["questions"][0]) <= summary

    thread = api.get(voter, f"/api/v1/questions/{q.id}").get_json()
    question_props = documented(spec, response_schema(
        spec, "/api/v1/questions/{question_id}", "get", "200"))
    assert set(thread) <= question_props
    assert {"id", "title", "body", "body_html", "tags", "author", "score", "answer_count",
            "accepted_answer_id", "status", "solved", "has_official_answer", "created_at",
            "url", "answers"} <= question_props

    answer_props = documented(spec, {"$ref": "#/components/schemas/Answer"})
    assert set(thread["answers"][0]) <= answer_props
    assert {"id", "body", "body_html", "author", "score", "is_accepted", "official",
            "attachments"} <= answer_props
    assert set(comment.get_json()) <= documented(spec, {"$ref": "#/components/schemas/Comment"})

    vote = api.post(voter, f"/api/v1/posts/{q.id}/vote", json={"value": 1}).get_json()
    assert set(vote) <= documented(spec, response_schema(
        spec, "/api/v1/posts/{post_id}/vote", "post", "200"))

    accepted = api.post(asker, f"/api/v1/answers/{a.id}/accept").get_json()
    assert set(accepted) <= documented(spec, response_schema(
        spec, "/api/v1/answers/{answer_id}/accept", "post", "200"))

    user = api.get(None, f"/api/v1/users/{asker.id}").get_json()
    user_props = documented(spec, response_schema(spec, "/api/v1/users/{user_id}", "get", "200"))
    assert set(user) <= user_props
    assert {"id", "username", "reputation", "role", "badges"} <= user_props


def test_new_question_schema_matches_the_limits(app, spec):
    schema = spec["components"]["schemas"]["NewQuestion"]["properties"]
    cfg = app.config
    assert (schema["title"]["minLength"], schema["title"]["maxLength"]) == (
        cfg["TITLE_MIN"], cfg["TITLE_MAX"])
    assert (schema["body"]["minLength"], schema["body"]["maxLength"]) == (
        cfg["BODY_MIN"], cfg["BODY_MAX"])
    assert (schema["tags"]["minItems"], schema["tags"]["maxItems"]) == (
        cfg["TAGS_MIN"], cfg["TAGS_MAX"])
