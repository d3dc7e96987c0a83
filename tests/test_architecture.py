"""The arrows of DESIGN.md point one way."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from forum import services` imports forum.services
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("search"), ids=str)
def test_search_imports_nothing_of_ours(path):
    assert not {top(n) for n in imports_of(path)} & {"forum", "moderation"}


@pytest.mark.parametrize("path", modules("forum"), ids=str)
def test_only_the_app_factory_imports_moderation(path):
    if path.name == "app.py" and path.parent.name == "forum":
        return
    assert "moderation" not in {top(n) for n in imports_of(path)}


@pytest.mark.parametrize("path", modules("forum/services") + modules("forum/models"), ids=str)
def test_services_and_models_know_nothing_of_requests(path):
    names = imports_of(path)
    assert not {n for n in names if n.startswith(("forum.web", "forum.api"))}
    source = path.read_text()
    for forbidden in ("from flask import request", "flask.request", "render_template", "flash(",
                      "session[", "from flask import g"):
        assert forbidden not in source, f"{path.name} uses {forbidden}"


@pytest.mark.parametrize("path", modules("forum/infra"), ids=str)
def test_infra_serves_the_rules_and_imports_none(path):
    """Plumbing (caches, counters, transports) sits under the services, the pages and the API."""
    names = imports_of(path)
    assert not {n for n in names if n.startswith(("forum.services", "forum.web", "forum.api"))}


@pytest.mark.parametrize("path", modules("forum/models"), ids=str)
def test_models_do_not_commit(path):
    assert ".commit(" not in path.read_text()


@pytest.mark.parametrize("path", modules("forum/web") + modules("forum/api"), ids=str)
def test_views_hold_no_rules(path):
    """Views call services; they do not query models or change rows themselves."""
    # Discarding a failed transaction in an error handler is plumbing, not a rule.
    source = path.read_text().replace("db.session.rollback()", "")
    for forbidden in ("db.session", "select(", ".commit(", "reputation.award"):
        assert forbidden not in source, f"{path.name} uses {forbidden}"


MODERATION_SERVICES = [p for p in modules("moderation")
                       if p.parent.name == "moderation" and p.stem not in ("__init__", "cli")]


@pytest.mark.parametrize("path", MODERATION_SERVICES, ids=str)
def test_moderation_services_know_nothing_of_requests(path):
    """Like forum: services and inputs sit under the pages (`moderation.web`) and
    the API (`moderation.api`), never the other way round."""
    names = imports_of(path)
    assert not {n for n in names if n.startswith(
        ("forum.web", "forum.api", "moderation.web", "moderation.api"))}
    source = path.read_text()
    for forbidden in ("from flask import request", "flask.request", "render_template", "flash(",
                      "session[", "from flask import g"):
        assert forbidden not in source, f"{path.name} uses {forbidden}"


def test_moderation_inputs_import_no_moderation_service():
    assert not {n for n in imports_of(ROOT / "moderation" / "inputs.py")
                if top(n) == "moderation"}
