"""The one and only path from user-supplied text to HTML.

Pipeline: Markdown -> HTML -> bleach ``Cleaner`` (explicit allow-list, with a
``LinkifyFilter`` run inside the same pass) -> safe HTML string.

Markdown is allowed to emit raw HTML; safety comes *only* from the sanitiser,
so the allow-lists below are the security boundary.  Keep them small.

bleach's Cleaner and python-markdown's Markdown both keep parser state and are
documented as not thread-safe, so each thread builds its own set exactly once
(``_local``) and reuses it for every call.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from pygments.formatters.html import HtmlFormatter
from pygments.token import STANDARD_TYPES

__all__ = ["render_markdown", "render_comment", "strip_markup"]

log = logging.getLogger(__name__)

#: Tags a post may contain.  No forms, frames, scripts, styles, media, SVG/MathML.
POST_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "code", "span", "div", "em", "strong", "del", "s", "sup", "sub", "a", "img",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "kbd", "abbr",
})
#: Per-tag attributes.  No ``style`` and no ``on*`` anywhere; ``class`` values
#: are further restricted by ``_class_ok`` so users cannot borrow site CSS.
POST_ATTRS = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"}, "div": {"class"}, "code": {"class"}, "pre": {"class"},
    "th": {"align"}, "td": {"align"}, "abbr": {"title"},
}
#: Comments: inline formatting and links only.
COMMENT_TAGS = frozenset({"a", "em", "strong", "code", "del", "s"})
COMMENT_ATTRS = {"a": {"href", "title", "rel"}}
#: URL schemes allowed in href/src (relative URLs are allowed in href only).
PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_PYGMENTS_CLASSES = frozenset(STANDARD_TYPES.values()) - {""} | {"hll"}
_LANG_CLASS = re.compile(r"language-[\w#+.-]{1,40}\Z", re.ASCII)
_URL_JUNK = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+|[^\x00-\x7f]")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|dt|dd|pre|blockquote|div)>|<br\s*/?>|<hr\s*/?>")
_WS = re.compile(r"\s+")


def _normalized_url(value: str) -> str:
    """Entity-decode, drop whitespace/control/non-ASCII, lowercase (as browsers see it)."""
    return _URL_JUNK.sub("", html.unescape(value)).lower()


def _class_ok(tag: str, value: str) -> bool:
    """Only Pygments token classes on span, ``highlight`` / ``language-*`` elsewhere."""
    for cls in value.split():
        if tag == "span" and cls in _PYGMENTS_CLASSES:
            continue
        if cls == "highlight" or (tag in ("pre", "code") and _LANG_CLASS.match(cls)):
            continue
        return False
    return True


def _post_attr(tag: str, name: str, value: str) -> bool:
    """Attribute filter for posts: allow-list plus value checks for class and img src."""
    if name not in POST_ATTRS.get(tag, ()):
        return False
    if name == "class":
        return _class_ok(tag, value)
    if tag == "img" and name == "src":
        return _normalized_url(value).startswith(("http://", "https://"))
    return True


def _set_link_attrs(attrs: dict, new: bool = False) -> dict | None:
    """Linkify callback: force rel, drop target, unwrap anchors without a safe href."""
    href = attrs.get((None, "href"))
    if not href:
        return None
    scheme, sep, _ = _normalized_url(href).partition(":")
    if sep and scheme in ("javascript", "data", "vbscript"):
        return None
    attrs.pop((None, "target"), None)
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _Formatter(HtmlFormatter):
    """Pygments formatter that leaves language-less blocks as plain ``<pre><code>``."""

    def format(self, tokensource, outfile):
        if self.options.get("lang_str") == "language-text":
            code = html.escape("".join(value for _, value in tokensource), quote=False)
            outfile.write(f"<pre><code>{code}</code></pre>")
        else:
            super().format(tokensource, outfile)


def _linkify():
    return partial(
        LinkifyFilter,
        callbacks=[_set_link_attrs],
        skip_tags={"pre", "code"},
        url_re=build_url_re(protocols=["http", "https"]),
    )


def _build() -> threading.local:
    """Build this thread's Markdown instances and Cleaners (once per thread)."""
    state = _local
    state.post_md = markdown.Markdown(
        extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
        extension_configs={"codehilite": {
            "css_class": "highlight", "guess_lang": False, "pygments_formatter": _Formatter,
        }},
    )
    state.comment_md = markdown.Markdown()
    # Comments: no block syntax (headings, lists, quotes, code blocks...) and no images.
    for name in ("indent", "code", "hashheader", "setextheader", "hr", "olist",
                 "ulist", "quote", "reference"):
        state.comment_md.parser.blockprocessors.deregister(name)
    for name in ("image_link", "image_reference", "short_image_ref"):
        state.comment_md.inlinePatterns.deregister(name)
    state.post_clean = bleach.Cleaner(
        tags=POST_TAGS, attributes=_post_attr, protocols=PROTOCOLS, strip=True,
        strip_comments=True, filters=[_linkify()],
    )
    state.comment_clean = bleach.Cleaner(
        tags=COMMENT_TAGS, attributes=COMMENT_ATTRS, protocols=PROTOCOLS, strip=True,
        strip_comments=True, filters=[_linkify()],
    )
    state.text_clean = bleach.Cleaner(tags=set(), attributes={}, strip=True, strip_comments=True)
    state.ready = True
    return state


_local = threading.local()


def _state() -> threading.local:
    return _local if getattr(_local, "ready", False) else _build()


def _prepare(text) -> str:
    """Coerce to str and remove NULs, C0 controls, lone surrogates and non-characters."""
    return _BAD_CHARS.sub("", text if isinstance(text, str) else str(text or ""))


def _render(md_attr: str, clean_attr: str, text) -> str:
    text = _prepare(text)
    if not text.strip():
        return ""
    try:
        st = _state()
        md = getattr(st, md_attr)
        return getattr(st, clean_attr).clean(md.reset().convert(text)).strip()
    except Exception:  # noqa: BLE001 - user text must never 500 the page
        log.exception("markup rendering failed; falling back to escaped text")
        return f"<p>{html.escape(text)}</p>" if md_attr == "post_md" else html.escape(text)


def render_markdown(text: str) -> str:
    """Render a post body (block Markdown + allow-listed raw HTML) to safe HTML."""
    return _render("post_md", "post_clean", text)


def render_comment(text: str) -> str:
    """Render a short comment: inline Markdown only, no wrapping ``<p>``, safe HTML."""
    return _render("comment_md", "comment_clean", text)


def strip_markup(text: str, limit: int | None = None) -> str:
    """Plain-text excerpt of Markdown for list pages and meta descriptions.

    The result is *plain text* (entities decoded), not HTML: let the template
    autoescape it.  If ``limit`` is given the result is at most ``limit``
    characters, cut on a word boundary and ending in an ellipsis when cut.
    """
    try:
        rendered = _BLOCK_END.sub(lambda m: m.group(0) + " ", render_markdown(text))
        plain = _WS.sub(" ", html.unescape(_state().text_clean.clean(rendered))).strip()
    except Exception:  # noqa: BLE001
        log.exception("strip_markup failed")
        plain = _WS.sub(" ", _prepare(text)).strip()
    if limit is None or len(plain) <= limit:
        return plain
    if limit <= 1:
        return "\u2026"[: max(limit, 0)]
    cut = plain[: limit - 1]
    if not plain[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "\u2026"
