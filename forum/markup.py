"""The one and only path from user text to HTML: python-markdown, then a bleach
``Cleaner`` (explicit allow-lists below; ``LinkifyFilter`` in the same pass).
Markdown may emit raw HTML, so the allow-lists ARE the security boundary.
Cleaners and Markdown objects are not thread-safe: each thread builds its set once.
"""

from __future__ import annotations

import difflib
import html
import logging
import re
import threading
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown.inlinepatterns import LinkInlineProcessor
from markupsafe import Markup, escape
from pygments.formatters.html import HtmlFormatter
from pygments.token import STANDARD_TYPES

__all__ = ["render_markdown", "render_comment", "strip_markup"]
log = logging.getLogger(__name__)
_local = threading.local()

#: Post tags: text structure, code, tables, links, images.  Deliberately absent:
#: script/style/iframe/object/embed/form/input/svg/math/video/audio/meta/base/details.
POST_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "span", "div", "em", "strong", "del", "s", "sup", "sub", "a", "img", "ul", "ol", "li",
    "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "kbd", "abbr",
})
#: Post attributes.  No style/on*/id/target anywhere.  ``_post_attr`` limits ``class`` to
#: Pygments/highlight/language-* names (no borrowing site CSS), img src to absolute http(s).
POST_ATTRS = {
    "a": {"href", "title", "rel"}, "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"}, "div": {"class"}, "code": {"class"}, "pre": {"class"},
    "th": {"align"}, "td": {"align"}, "abbr": {"title"},
}
#: Comments: inline formatting and links only (no <p>, no images, no classes).
COMMENT_TAGS = frozenset({"a", "em", "strong", "code", "del", "s"})
COMMENT_ATTRS = {"a": {"href", "title", "rel"}}
#: Schemes allowed in href/src; bleach also lets scheme-less (relative) hrefs through.
PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_MAX_LINK_SCAN = 2048  # chars a Markdown [text](url "title") may span
_PYGMENTS_CLASSES = frozenset(STANDARD_TYPES.values()) - {""} | {"hll"}
_LANG_CLASS = re.compile(r"language-[\w#+.-]{1,40}\Z", re.ASCII)
_URL_JUNK = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+|[^\x00-\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_LINK_TEXT = re.compile(r"(?:[^\[\]]++|\[(?:[^\[\]]++|\[[^\[\]]*+\])*+\])*+\]")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BLOCK_END = re.compile(r"</(?:p|li|h\d|t[dhr]|d[dt]|pre|blockquote|div)>|<[bh]r>")
_WS = re.compile(r"\s+")
#: Deepest nesting of containers (list items, block quotes) opened on one line that
#: a post may use.  Python-markdown recurses once per level and, depending on its
#: version, fails or crawls well before 3,000 levels; no real post nests past a dozen.
#: Deeper text is shown escaped rather than handed to the library.
MAX_NESTING = 32
_CONTAINERS = re.compile(r"^(?:[ \t]{0,3}(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$))+", re.MULTILINE)


def _normalized_url(value: str) -> str:
    """Entity-decode, drop whitespace/controls/non-ASCII, lowercase: what a browser parses."""
    return _URL_JUNK.sub("", html.unescape(value)).lower()


def _post_attr(tag: str, name: str, value: str) -> bool:
    """bleach attribute filter for posts: ``POST_ATTRS`` plus per-value checks."""
    if name not in POST_ATTRS.get(tag, ()):
        return False
    if name == "class":
        return all((tag == "span" and c in _PYGMENTS_CLASSES) or c == "highlight"
                   or (tag in ("pre", "code") and _LANG_CLASS.match(c)) for c in value.split())
    if tag == "img" and name == "src":
        return _normalized_url(value).startswith(("http://", "https://"))
    if name in ("width", "height"):
        return value.isdigit() and int(value) <= 4000
    return True


def _set_link_attrs(attrs: dict, new: bool = False) -> dict | None:
    """Linkify callback for every <a>: force rel, drop target, unwrap if no safe href."""
    href = attrs.get((None, "href"))
    scheme = _SCHEME.match(_normalized_url(href or ""))
    if not href or (scheme and scheme[1] not in PROTOCOLS):
        return None
    attrs.pop((None, "target"), None)
    attrs[(None, "rel")] = LINK_REL
    return attrs


_LINKIFY = partial(LinkifyFilter, callbacks=[_set_link_attrs], skip_tags={"pre", "code"},
                   url_re=build_url_re(protocols=["http", "https"]))


class _Formatter(HtmlFormatter):
    """Pygments formatter that leaves language-less code blocks as plain <pre><code>."""
    def format(self, tokensource, outfile):
        if self.options.get("lang_str") != "language-text":
            return super().format(tokensource, outfile)
        code = html.escape("".join(value for _, value in tokensource), quote=False)
        outfile.write(f"<pre><code>{code}</code></pre>")


def _get_text(data: str, index: int) -> tuple[str, int, bool]:
    """Bounded, C-speed ``getText`` (``]``-terminated link text, 2 nesting levels).

    Stock python-markdown rescans the paragraph for each unmatched ``[``: O(n^2), a
    30 kB ``[[[[`` body took minutes.  Set per instance in ``_build``, never globally.
    """
    m = _LINK_TEXT.match(data, index, index + _MAX_LINK_SCAN)
    return (data[index : m.end() - 1], m.end(), True) if m else ("", index, False)


def _build(st: threading.local) -> None:
    st.post_md = markdown.Markdown(
        extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False,
                           "pygments_formatter": _Formatter},
            "tables": {"use_align_attribute": True},  # align="..." rather than style=""
        },
    )
    st.comment_md = markdown.Markdown()  # comments: paragraphs + inline syntax only
    for name in ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist",
                 "quote", "reference"):
        st.comment_md.parser.blockprocessors.deregister(name)
    for name in ("image_link", "image_reference", "short_image_ref"):
        st.comment_md.inlinePatterns.deregister(name)
    for proc in (*st.post_md.inlinePatterns, *st.comment_md.inlinePatterns):
        if isinstance(proc, LinkInlineProcessor):
            proc.getText = _get_text
            proc.handleMatch = lambda m, data, _h=proc.handleMatch: _h(
                m, data[: m.end() + _MAX_LINK_SCAN])
    st.post_clean = bleach.Cleaner(tags=POST_TAGS, attributes=_post_attr,
                                   protocols=PROTOCOLS, strip=True, filters=[_LINKIFY])
    st.comment_clean = bleach.Cleaner(tags=COMMENT_TAGS, attributes=COMMENT_ATTRS,
                                      protocols=PROTOCOLS, strip=True, filters=[_LINKIFY])
    st.text_clean = bleach.Cleaner(tags=set(), attributes={}, strip=True)


def _state() -> threading.local:
    if not hasattr(_local, "text_clean"):
        _build(_local)
    return _local


def nesting_depth(text: str) -> int:
    """The most list or quote containers any one line opens (``- - > 1. x`` is 4)."""
    deepest = 0
    for m in _CONTAINERS.finditer(text):
        if m.end() - m.start() > deepest:   # cheap bound before counting markers
            deepest = max(deepest, len(re.findall(r"[-*+>]|\d{1,9}[.)]", m.group())))
    return deepest


def _escaped(kind: str, text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if kind == "post" else html.escape(text)


def _render(kind: str, text) -> str:
    # Drop NUL/C0 controls (also markdown's own \x02/\x03 placeholders), lone surrogates.
    text = _BAD_CHARS.sub("", text if isinstance(text, str) else str(text or ""))
    if not text.strip():
        return ""
    if nesting_depth(text) > MAX_NESTING:
        log.warning("markup rendering refused: nesting deeper than %d levels; "
                    "showing escaped text", MAX_NESTING)
        return _escaped(kind, text)
    try:
        st = _state()
        md, cleaner = getattr(st, kind + "_md"), getattr(st, kind + "_clean")
        return cleaner.clean(md.reset().convert(text)).strip()
    except Exception:  # e.g. RecursionError on absurd nesting; must never 500 a page
        log.warning("markup rendering failed; showing escaped text", exc_info=True)
        _local.__dict__.clear()  # a failed parse leaves Markdown's state stacks dirty
        return _escaped(kind, text)


def render_markdown(text: str) -> str:
    """Render a post body (block Markdown + allow-listed raw HTML) to safe HTML."""
    return _render("post", text)


def render_comment(text: str) -> str:
    """Render a short comment: inline Markdown only, no wrapping <p>, safe HTML."""
    return _render("comment", text)


def strip_markup(text: str, limit: int | None = None) -> str:
    """Plain-text excerpt for list pages/meta descriptions: NOT HTML, let templates escape it.

    With ``limit``: at most ``limit`` chars, cut on a word boundary, ending in an ellipsis.
    """
    try:
        plain = _state().text_clean.clean(_BLOCK_END.sub(r"\g<0> ", render_markdown(text)))
    except Exception:  # pragma: no cover - render_markdown already never raises
        plain = ""
    plain = _WS.sub(" ", html.unescape(plain)).strip()
    if limit is None or len(plain) <= limit:
        return plain
    if limit <= 1:
        return "\u2026" if limit == 1 else ""
    cut = plain[: limit - 1]
    if not plain[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "\u2026"


def html_to_text(rendered: str) -> str:
    """Plain text of HTML this module produced (a `*_html` column), for the search
    index: no Markdown syntax, no tags, entities decoded, blocks kept apart."""
    try:
        plain = _state().text_clean.clean(_BLOCK_END.sub(r"\g<0> ", rendered or ""))
    except Exception:  # noqa: BLE001  (a cached column is always our own output)
        return ""
    return _WS.sub(" ", html.unescape(plain)).strip()


def word_diff(old: str, new: str) -> Markup:
    """An inline word diff as HTML: escaped text in <del>/<ins>."""
    old_words, new_words = old.split(" "), new.split(" ")
    out = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            out.append(Markup("<del>%s</del>") % " ".join(old_words[a1:a2]))
        if b2 > b1:
            out.append(Markup("<ins>%s</ins>") % " ".join(new_words[b1:b2]))
    return Markup(" ").join(out)
