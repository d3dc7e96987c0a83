"""The framework's own limit: a minimal Flask app rendering a Jinja page about as
big as Crowdfix's pages (a base layout the size of templates/base.html and a list
of items), with no database. `gunicorn tests.bench.bare_app:app`; the page size
comes from BARE_PAGE_BYTES (the load benchmark passes the question page's size)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, render_template
from jinja2 import DictLoader

_ROOT = Path(__file__).resolve().parents[2]
_BASE_BYTES = (_ROOT / "templates" / "base.html").stat().st_size
_FILLER = "<!-- layout -->\n"
BASE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
        "</head><body><header><nav>{% for link in links %}<a href=\"{{ link }}\">{{ link }}</a>"
        "{% endfor %}</nav></header><main>{% block main %}{% endblock %}</main></body></html>\n")
BASE += _FILLER * max(0, (_BASE_BYTES - len(BASE)) // len(_FILLER))
PAGE = """{% extends "base.html" %}{% block main %}<h1>{{ title }}</h1>
{% for item in items %}<article class="post" id="p{{ item.id }}"><h2>{{ item.title }}</h2>
<div class="body">{{ item.body }}</div><footer>{{ item.author }} · score {{ item.score }}</footer>
</article>
{% endfor %}{% endblock %}"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"base.html": BASE, "page.html": PAGE})
_TARGET = int(os.environ.get("BARE_PAGE_BYTES", "20000"))
_BODY = "Restarting the router with the reset button held for ten seconds fixed it. " * 4
_ITEMS = [{"id": i, "title": f"Item {i} on a page of similar size", "body": _BODY,
           "author": f"member{i}", "score": i % 7} for i in range(max(1, (_TARGET - _BASE_BYTES) // 420))]


@app.route("/")
def page():
    return render_template("page.html", title="Bare Flask", items=_ITEMS,
                           links=["/", "/questions", "/tags", "/search", "/ask"])
