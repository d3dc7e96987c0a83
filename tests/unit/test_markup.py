"""Tests for forum.markup: XSS corpus, property tests and rendering behaviour.

No Flask app needed.  Run from the repo root:
    PYTHONPATH=. .venv/bin/pytest -q -W error tests/unit/test_markup.py
"""

from __future__ import annotations

import html
import re
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.markup import (
    MAX_NESTING,
    nesting_depth,
    render_comment,
    render_markdown,
    strip_markup,
)

VECTORS_PATH = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.txt"
_ESCAPES = re.compile(r"\\(n|t|r|0|x[0-9a-fA-F]{2})")
_ESCAPE_MAP = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}

# Independent of forum.markup's own constants on purpose: this is the spec.
POST_ALLOWED = {
    "p": set(), "br": set(), "hr": set(), "h1": set(), "h2": set(), "h3": set(),
    "h4": set(), "h5": set(), "h6": set(), "blockquote": set(), "pre": {"class"},
    "code": {"class"}, "span": {"class"}, "div": {"class"}, "em": set(), "strong": set(),
    "del": set(), "s": set(), "sup": set(), "sub": set(), "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height"}, "ul": set(), "ol": {"start"},
    "li": set(), "dl": set(), "dt": set(), "dd": set(), "table": set(), "thead": set(),
    "tbody": set(), "tr": set(), "th": {"align"}, "td": {"align"}, "kbd": set(),
    "abbr": {"title"},
}
COMMENT_ALLOWED = {
    "a": {"href", "title", "rel"}, "em": set(), "strong": set(), "code": set(),
    "del": set(), "s": set(),
}
FORBIDDEN_TAGS = ("script", "iframe", "object", "embed", "style", "meta", "base", "form",
                  "svg", "math")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "background", "poster",
             "data", "srcset", "lowsrc", "dynsrc", "cite", "longdesc", "ping", "codebase"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
REL = {"nofollow", "ugc", "noopener"}


def _decode(line: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code.startswith("x") else _ESCAPE_MAP[code]

    return _ESCAPES.sub(sub, line)


def _raw_lines() -> list[str]:
    return VECTORS_PATH.read_text(encoding="utf-8").splitlines()


def _load_vectors() -> list[str]:
    vectors: list[str] = []
    for line in _raw_lines():
        if not line or line.startswith("#"):
            continue
        vectors.append(line)
        decoded = _decode(line)
        if decoded != line:
            vectors.append(decoded)
    return vectors


VECTORS = _load_vectors()


class _TagCollector(HTMLParser):
    """Collects real start tags; attribute values come back entity-unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def parse_tags(out: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _TagCollector()
    parser.feed(out)
    parser.close()
    return parser.tags


def assert_safe(out: str, allowed: dict[str, set[str]]) -> None:
    assert isinstance(out, str)
    lowered = out.lower()
    for tag in FORBIDDEN_TAGS:
        # Text "<" is always escaped by the sanitiser, so a raw "<tag" can only be markup.
        assert f"<{tag}" not in lowered, out
    for tag, attrs in parse_tags(out):
        assert tag not in FORBIDDEN_TAGS, out
        assert tag in allowed, f"unexpected <{tag}> in {out!r}"
        for name, value in attrs:
            assert not name.startswith("on"), out
            assert name in allowed[tag], f"unexpected {tag}[{name}] in {out!r}"
            if name in URL_ATTRS and value:
                # HTMLParser already unescaped entities; drop whitespace/controls like
                # a browser's URL parser would (more aggressively, to be safe).
                normalized = _URL_JUNK.sub("", value).lower()
                assert not normalized.startswith(BAD_SCHEMES), out


def rel_tokens(attrs: list[tuple[str, str | None]]) -> set[str]:
    return set((dict(attrs).get("rel") or "").split())


def links(out: str) -> list[dict[str, str | None]]:
    return [dict(attrs) for tag, attrs in parse_tags(out) if tag == "a"]


# --------------------------------------------------------------------------- corpus


def test_corpus_is_well_formed():
    lines = _raw_lines()
    assert all(lines), "blank line in xss_vectors.txt"
    vectors = [line for line in lines if not line.startswith("#")]
    assert len(set(vectors)) == len(vectors), "duplicate vectors"
    assert len(vectors) >= 60


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_render_markdown(vector):
    assert_safe(render_markdown(vector), POST_ALLOWED)


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_render_comment(vector):
    assert_safe(render_comment(vector), COMMENT_ALLOWED)


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_strip_markup_is_plain_text(vector):
    assert isinstance(strip_markup(vector, 80), str)


def test_checker_catches_unsafe_html():
    """Guard against a vacuous checker."""
    for bad in ('<a href="jav&#x09;ascript:alert(1)">x</a>', '<img src=x onerror=alert(1)>',
                "<script>alert(1)</script>", '<a href=" DATA:text/html,x">x</a>'):
        with pytest.raises(AssertionError):
            assert_safe(bad, POST_ALLOWED)


# ------------------------------------------------------------------------ properties

FRAGMENTS = [
    "<", ">", '"', "'", "`", "=", "/", " ", "\n", "\n\n", "\t", "\x00", "\x02", "\x03",
    "javascript:", "JaVaScRiPt:", "java\tscript:", "data:", "vbscript:", "&#x", "&#", "6A;",
    "&colon;", ";", "onerror=", "onload=", "onmouseover=", "alert(1)", "[", "]", "](", ")",
    "![", "<img src=x ", "<script>", "</script>", "<svg", "<math>", "<iframe", "<style>",
    "<a href=", "<a href=\"", "<kbd>", "</kbd>", "<span class=", "<!--", "-->", "```",
    "```python\n", "    ", "> ", "* ", "1. ", "# ", "|", "|---|", "**", "_", "~~",
    "http://", "https://example.com/", "www.example.com", "mailto:", "x", "\\",
]
mixed_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40
).map("".join)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(st.text())
def test_property_any_text_markdown(text):
    assert_safe(render_markdown(text), POST_ALLOWED)


@PROPERTY_SETTINGS
@given(st.text())
def test_property_any_text_comment(text):
    assert_safe(render_comment(text), COMMENT_ALLOWED)


@PROPERTY_SETTINGS
@given(mixed_text)
def test_property_hostile_fragments_markdown(text):
    assert_safe(render_markdown(text), POST_ALLOWED)


@PROPERTY_SETTINGS
@given(mixed_text)
def test_property_hostile_fragments_comment(text):
    assert_safe(render_comment(text), COMMENT_ALLOWED)


@PROPERTY_SETTINGS
@given(mixed_text, st.integers(min_value=0, max_value=120))
def test_property_strip_markup_respects_limit(text, limit):
    out = strip_markup(text, limit)
    assert len(out) <= limit
    assert "\n" not in out


# -------------------------------------------------------------------------- positive


def test_fenced_code_is_highlighted_with_classes():
    out = render_markdown("```python\ndef f(x):\n    return x\n```")
    assert 'class="highlight"' in out
    assert '<span class="k">' in out
    assert "style=" not in out


def test_fenced_code_without_language_is_plain_pre_code():
    out = render_markdown("```\na < b && c\n```")
    assert "<pre><code>" in out
    assert "a &lt; b &amp;&amp; c" in out


def test_indented_code_block():
    assert "<pre><code>" in render_markdown("para\n\n    x = 1 < 2\n")


def test_code_block_html_is_escaped_not_rendered():
    out = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert "&lt;" in out and "alert" in out
    assert_safe(out, POST_ALLOWED)


def test_tables():
    out = render_markdown("| a | b |\n|:-:|---|\n| 1 | 2 |")
    assert "<table>" in out and "<th" in out and "<td" in out
    assert 'align="center"' in out and "style" not in out


def test_bare_url_is_linkified_with_rel():
    out = render_markdown("see https://example.com/x now")
    (link,) = links(out)
    assert link["href"] == "https://example.com/x"
    assert set(link["rel"].split()) == REL
    assert '<a href="https://example.com/x" rel="' in out


def test_markdown_link_gets_rel_and_loses_target():
    (link,) = links(render_markdown("[docs](https://example.com/docs)"))
    assert link["href"] == "https://example.com/docs" and set(link["rel"].split()) == REL
    (raw,) = links(render_markdown('<a href="https://e.com" target="_blank" rel="me">x</a>'))
    assert "target" not in raw and set(raw["rel"].split()) == REL


def test_mailto_and_relative_links_survive():
    hrefs = [link["href"] for link in links(render_markdown("[m](mailto:a@b.c) [r](/q/1#a)"))]
    assert hrefs == ["mailto:a@b.c", "/q/1#a"]


def test_no_linkify_inside_code():
    assert "<a" not in render_markdown("`https://example.com/x`")
    assert "<a" not in render_markdown("```\nhttps://example.com/x\n```")


def test_block_and_inline_markdown_survive():
    out = render_markdown("# Title\n\n## Sub\n\n**bold** *it*\n\n- a\n- b\n\n1. one\n\n> q")
    for tag in ("<h1>", "<h2>", "<strong>bold</strong>", "<em>it</em>", "<ul>", "<li>",
                "<ol>", "<blockquote>"):
        assert tag in out


def test_allowed_raw_html_survives():
    out = render_markdown("Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, <abbr title='x'>X</abbr>")
    assert "<kbd>Ctrl</kbd>" in out and '<abbr title="x">X</abbr>' in out


def test_disallowed_attributes_and_classes_dropped():
    out = render_markdown('<span class="btn-danger" style="color:red" id="x">hi</span>')
    assert out == "<p><span>hi</span></p>"


def test_text_with_lt_and_amp_is_escaped_not_lost():
    out = render_markdown("if a < b && c > d then AT&T")
    assert "a &lt; b &amp;&amp; c &gt; d" in out and "AT&amp;T" in out


def img_srcs(out: str) -> list[str | None]:
    return [dict(attrs).get("src") for tag, attrs in parse_tags(out) if tag == "img"]


def test_images_only_http_src():
    out = render_markdown("![a](https://e.com/a.png) ![b](/b.png) ![c](data:image/png,AA)")
    assert img_srcs(out) == ["https://e.com/a.png", None, None]


def test_images_of_this_sites_attachments_are_kept():
    out = render_markdown("![Wi-Fi settings](/attachments/12/wifi%20settings.png)\n\n"
                          '<img src="/attachments/7/shot.png" alt="raw">')
    assert img_srcs(out) == ["/attachments/12/wifi%20settings.png", "/attachments/7/shot.png"]
    assert 'alt="Wi-Fi settings"' in out
    assert_safe(out, POST_ALLOWED)


@pytest.mark.parametrize("src", [
    "//evil.example/attachments/1/x.png",       # another host, scheme-relative
    "/\\evil.example/attachments/1/x.png",      # browsers read /\ as //
    "/attachments/1/../../logout",              # not one file name
    "/attachments/1/..",
    "/attachments/1/x.png?next=/logout",        # no query
    "/attachments/1/x.png#f",
    "/attachments/0/x.png",
    "/attachments/x/y.png",
    "/attachments/1/",
    "/attachments/1/x/y.png",
    "/other/x.png",
    "attachments/1/x.png",                      # relative to the page
    "javascript:alert(1)//attachments/1/x.png",
])
def test_other_relative_image_sources_are_dropped(src):
    for text in (f"![a]({src})", f'<img src="{src}" alt="a">'):
        assert img_srcs(render_markdown(text)) == [None], text


def test_a_numbered_list_after_a_code_block_goes_on_counting():
    out = render_markdown("1. Do this:\n```\ncode\n```\n2. Then that\n3. And this")
    assert '<ol start="2">' in out
    for bad in ('<ol start="x">', '<ol start="-1">', '<ol start="1e9">', '<ol start="9999999999">'):
        assert "start" not in render_markdown(bad + "<li>a</li></ol>")


def test_attachment_images_are_not_allowed_in_comments():
    assert "<img" not in render_comment("![a](/attachments/1/x.png)")


def test_comment_inline_only():
    out = render_comment("**b** *i* `c` [l](https://e.com) <del>d</del>")
    assert out.startswith("<strong>b</strong> <em>i</em> <code>c</code> <a ")
    assert "<del>d</del>" in out and "<p>" not in out
    assert set(links(out)[0]["rel"].split()) == REL


def test_comment_has_no_block_elements():
    out = render_comment("# not a heading\n\n- not a list\n\n![img](https://e.com/x.png)")
    assert "<h1" not in out and "<li" not in out and "<img" not in out
    assert "# not a heading" in out


def test_comment_linkifies_bare_url():
    (link,) = links(render_comment("see https://example.com/x"))
    assert link["href"] == "https://example.com/x" and set(link["rel"].split()) == REL


def test_strip_markup_plain_text():
    text = "# Title\n\nSome *text* & <b>more</b>.\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert strip_markup(text) == "Title Some text & more. a b 1 2"


def test_strip_markup_cuts_on_word_boundary():
    text = "The quick brown fox jumps over the lazy dog"
    out = strip_markup(text, 17)
    assert out == "The quick brown\u2026"
    assert len(out) <= 17
    assert strip_markup(text, 100) == text
    assert strip_markup(text, 0) == ""
    assert strip_markup("x" * 50, 10) == "x" * 9 + "\u2026"


@pytest.mark.parametrize("text", [
    "", " ", "\x00", "\x00" * 100, "\ud800", "a\udfffb", "\ufffe\uffff", "\x02\x03",
    "\u202e<b>rtl</b>", "\U0001f600" * 1000, "x" * 200_000,
    "".join(chr(i) for i in range(0, 0x3000, 7)),
])
def test_never_raises(text):
    for fn in (render_markdown, render_comment, strip_markup):
        assert isinstance(fn(text), str)


@pytest.mark.parametrize("marker", ["- ", "> ", "1. ", "* > "])
def test_nesting_beyond_the_limit_is_shown_escaped_before_markdown_sees_it(
        marker, caplog, monkeypatch):
    import markdown

    def must_not_run(*args, **kwargs):
        raise AssertionError("Markdown was handed text deeper than MAX_NESTING")

    deep = marker * 3000 + "<b>x</b>"  # python-markdown recurses once per level
    monkeypatch.setattr(markdown.Markdown, "convert", must_not_run)
    out = render_markdown(deep)
    assert out.startswith("<p>" + html.escape(marker.strip()))
    assert out.endswith("&lt;b&gt;x&lt;/b&gt;</p>")
    assert "nesting deeper than 32 levels" in caplog.text
    assert_safe(render_comment(deep), COMMENT_ALLOWED)


def test_nesting_up_to_the_limit_renders_as_lists():
    out = render_markdown("- " * MAX_NESTING + "deep item")
    assert out.count("<ul>") == MAX_NESTING and "deep item" in out
    assert nesting_depth("- " * (MAX_NESTING + 1) + "x") == MAX_NESTING + 1
    assert nesting_depth("--- a rule\n\n1.5 GB is - not - a list") == 0
    assert nesting_depth("intro\n> - 1. quoted list") == 3


def test_a_library_failure_falls_back_to_escaped_text(caplog, monkeypatch):
    import markdown

    def explode(self, source):
        raise RecursionError("maximum recursion depth exceeded")

    with monkeypatch.context() as patched:
        patched.setattr(markdown.Markdown, "convert", explode)
        out = render_markdown("**bold** <b>x</b>")
    assert out == "<p>**bold** &lt;b&gt;x&lt;/b&gt;</p>"
    assert "markup rendering failed" in caplog.text
    assert render_markdown("**ok**") == "<p><strong>ok</strong></p>"  # state not poisoned


def test_unbalanced_brackets_are_not_quadratic():
    start = time.perf_counter()
    render_markdown("[" * 30_000)
    render_comment("![" * 15_000)
    assert time.perf_counter() - start < 10


def test_thread_safety():
    texts = [f"**{i}** [l{i}](https://e.com/{i})\n\n```python\nx = {i}\n```" for i in range(40)]
    expected = [render_markdown(t) for t in texts]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = render_markdown(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == expected
