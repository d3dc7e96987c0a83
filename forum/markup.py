"""The one and only path from user text to HTML: python-markdown, then a bleach
``Cleaner`` (explicit allow-lists below; ``LinkifyFilter`` in the same pass).
Lists and fences are read as CommonMark writes them: a small preprocessor for list
indentation (why: see "list indentation" below) and pymdownx.superfences for fenced
code inside list items (fenced_code only finds fences at the top level).
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
from markdown.extensions.codehilite import CodeHilite
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.preprocessors import Preprocessor
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
#: Pygments/highlight/language-* names (no borrowing site CSS), img src to absolute http(s)
#: or this site's own attachments (``/attachments/<id>/<name>``, nothing else relative).
POST_ATTRS = {
    "a": {"href", "title", "rel"}, "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"}, "div": {"class"}, "code": {"class"}, "pre": {"class"}, "ol": {"start"},
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
#: A relative image source that may stay: this site's attachment download path, one
#: file name with no slash, backslash, query, fragment, whitespace or control in it.
_OWN_ATTACHMENT = re.compile(
    r"/attachments/[1-9][0-9]{0,11}/(?!\.\.?\Z)[^/\\?#\s\x00-\x1f\x7f]{1,255}\Z")
#: Deepest nesting of containers (list items, block quotes) opened on one line that
#: a post may use.  Python-markdown recurses once per level and, depending on its
#: version, fails or crawls well before 3,000 levels; no real post nests past a dozen.
#: Deeper text is shown escaped rather than handed to the library.
MAX_NESTING = 32
_CONTAINERS = re.compile(r"^(?:[ \t]{0,3}(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$))+", re.MULTILINE)


# ---------------------------------------------------------------- list indentation
#
# python-markdown nests a list, or puts a code block in a list item, only when the
# content is indented four spaces a level; CommonMark (GitHub, Stack Overflow,
# Discourse) indents to the item's *content column*: two for "- ", three for "1. ".
# So "1. step\n   - sub" came out as one paragraph with a literal dash.  No option
# fixes this (pymdownx.fancylists and sane_lists keep the four-space rule; the
# unmaintained mdx_truly_sane_lists forces one fixed width), so this preprocessor
# re-indents list content to python-markdown's four spaces a level, by CommonMark's
# rules: a line belongs to the deepest open item whose content column it reaches
# (or continues its paragraph lazily); a marker at most three spaces past its
# container's content column opens an item there; a bullet or "1." may interrupt a
# paragraph.  Text already written with four spaces (older Stack Exchange posts)
# comes out the same.  Fenced code (pymdownx.superfences, which finds fences inside
# list items) moves with its item; a block quote's inside is read the same way (one
# ">" off, then back on); top-level fences, HTML blocks and indented code are copied
# untouched.  One pass over the lines (again per level of quote), and never more
# than MAX_NESTING items deep.

_ITEM = re.compile(r"( *)([-*+]|\d{1,9}\.)(?:( +)(?=\S)|( *)$)")
_FENCE = re.compile(r"( *)(`{3,}|~{3,})(.*)")
_RULE = re.compile(r" *([-*_])(?: *\1){2,} *$")
_NOT_LAZY = re.compile(r" *(?:[-*+]|\d{1,9}\.|#{1,6})(?: |$)| *(?:>|```|~~~)")
_QUOTE = re.compile(r" {0,3}>")
_QUOTE_MARK = re.compile(r" {0,3}> ?")
_HTML_START = re.compile(r" {0,3}<(?:(pre|script|style|textarea)\b|[a-zA-Z/!?])",
                         re.IGNORECASE)


def _item(line: str, base: int) -> tuple[str, int, bool] | None:
    """(marker, content column, has content) when ``line`` opens a list item in a
    container whose content starts at column ``base``."""
    m = _ITEM.match(line)
    if m is None or not 0 <= len(m[1]) - base <= 3 or _RULE.match(line):
        return None
    spaces = len(m[3] or "")
    width = spaces if 1 <= spaces <= 4 else 1      # 5+ spaces: indented code follows
    return m[2], m.end(2) + width, m[3] is not None


def commonmark_lists(lines: list[str]) -> list[str]:
    """Re-indent list items written the CommonMark way to python-markdown's four
    spaces a level (see the comment above).  Tabs must be expanded already."""
    out: list[str] = []
    cols: list[int] = []            # content column of each open item, outermost first
    fence: str | None = None        # the run of ` or ~ that closes the open fence
    fence_indent = 0                # how far the open fence is indented in its item
    html_end: str | None = None     # what ends the top-level HTML block being copied
    quoted: list[str] | None = None     # the top-level block quote's lines so far
    prev_blank, prev_text = True, False
    in_quote = False                # the last line was in a block quote inside an item
    block_is_item = False           # the lines since the last blank one began with an item
    code_strip: int | None = None   # columns an item's indented code block loses
    for line in lines:
        blank = not line.strip()
        was_quote, in_quote = in_quote, False
        indent = len(line) - len(line.lstrip(" "))
        if quoted is not None:      # a top-level block quote runs to a blank line
            if not blank:
                quoted.append(line)
                continue
            out.extend(_requote(quoted))
            quoted = None
        if html_end is not None:
            out.append(line)
            if (blank and not html_end) or (html_end and html_end in line.lower()):
                html_end = None
            prev_blank, prev_text = blank, False
            continue
        if fence is not None and (blank or not cols or indent >= cols[-1]):
            # Inside a fence: the item's indentation becomes four spaces a level and,
            # as in CommonMark, as much indentation as the opening fence had goes.
            base = cols[-1] if cols else 0
            stripped = line.strip(" ")
            if (stripped.startswith(fence) and not stripped.strip(fence[0])
                    and indent - base < 4):
                line, fence = " " * (4 * len(cols)) + fence, None   # as long as it opened
                out.extend((line, ""))  # a break after it, or superfences misses it
            else:
                out.append("" if blank else " " * (4 * len(cols))
                           + line[min(indent, base + fence_indent):])
            prev_blank, prev_text = blank, False
            continue
        if fence is not None:       # a fence in an item ends with the item
            out.extend((" " * (4 * len(cols)) + fence, ""))
            fence = None
        if blank:
            out.append(line)
            prev_blank, prev_text = True, False
            continue
        was_in_list = bool(cols)
        strip, code_strip = code_strip, None
        if prev_blank:              # python-markdown's blocks: does this one open an item?
            block_is_item = False
        while cols and indent < cols[-1]:
            if prev_text and not _NOT_LAZY.match(line) and not _RULE.match(line):
                break               # a lazy continuation of the item's paragraph
            cols.pop()
        base = cols[-1] if cols and indent >= cols[-1] else indent if cols else 0
        item = _item(line, cols[-1] if cols else 0)
        if item is not None and len(cols) >= MAX_NESTING:     # too deep: shown as text
            marker = "\\" + item[0] if item[0] in "-*+" else item[0][:-1] + "\\."
            out.append(" " * (4 * len(cols)) + marker + " " + line[item[1]:])
            prev_blank, prev_text = False, True
            continue
        if item is not None and not was_in_list and prev_text and not (
                item[2] and (item[0] in "-*+" or item[0] == "1.")):
            item = None             # "2019. was..." inside a paragraph is not a list
        if item is not None:
            marker, col, _ = item
            if not prev_blank and ((not was_in_list and prev_text) or was_quote
                                   or not prev_text or not block_is_item):
                out.append("")      # a list interrupts a paragraph, a quote or code
            block_is_item = True
            out.append(" " * (4 * len(cols)) + marker + " " + line[col:])
            cols.append(col)
            prev_blank, prev_text = False, True
            continue
        fenced = _FENCE.match(line)
        opens = bool(fenced and indent - base < 4
                     and not (fenced[2][0] == "`" and "`" in fenced[3]))
        if opens:
            fence, fence_indent = fenced[2], indent - base
            if prev_text:
                out.append("")      # a fence interrupts a paragraph
        if not cols and fence:
            out.append(line[indent:])
        elif not cols:
            start = _HTML_START.match(line) if prev_blank and not fence else None
            if start:
                html_end = f"</{start[1].lower()}>" if start[1] else ""
                if html_end and html_end in line.lower():
                    html_end = None
            elif _QUOTE.match(line) and prev_blank and not was_in_list:
                quoted = [line]     # a block quote, lazy lines and all: see _requote
                continue
            elif _QUOTE.match(line):
                html_end = ""       # a quote that cuts a list or paragraph short: as is
            out.append(line)
        else:
            quote = _QUOTE.match(line, base) is not None
            if prev_text and quote and not was_quote:
                out.append("")      # a block quote interrupts a paragraph
            if indent - base >= 4 and not prev_text:     # indented code in the item
                # CommonMark takes the item's column and four more spaces away; an old
                # Markdown post indents its code 4 spaces more than python-markdown's
                # item (8 under "1. "): kept as its author saw it, without a stray space.
                old = 4 * (len(cols) + 1)
                code_strip = strip or (old if indent >= old and indent % 4 == 0 else base + 4)
                out.append(" " * (4 * len(cols) + 4) + line[min(indent, code_strip):])
            else:                   # (an opening fence loses its own indentation too)
                out.append(" " * (4 * len(cols)) + line[indent if opens else min(indent, base):])
            in_quote = quote or (was_quote and indent - base < 4)
        prev_blank = False
        prev_text = not fence and html_end is None and indent - base < 4
    if fence is not None:           # an unclosed fence runs to the end of the post
        out.append(" " * (4 * len(cols)) + fence)
    if quoted is not None:
        out.extend(_requote(quoted))
    return out


def _requote(lines: list[str]) -> list[str]:
    """A top-level block quote's lines with the lists inside re-indented: one ">"
    taken off (lazy lines without one are python-markdown's quote too), the inside
    read like a post, ">" put back.  Quotes in quotes recurse, as deep as the ">"s
    on one line, which MAX_NESTING already bounds."""
    inner = [line[m.end():] if (m := _QUOTE_MARK.match(line)) else line for line in lines]
    inner = commonmark_lists(inner)
    while inner and not inner[-1].strip():
        inner.pop()                 # a trailing ">" would wrap a last fence in a <p>
    return [f"> {line}" if line else ">" for line in inner]


class _CommonMarkLists(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return commonmark_lists(lines)


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
        return (_normalized_url(value).startswith(("http://", "https://"))
                or _OWN_ATTACHMENT.match(html.unescape(value)) is not None)
    if name in ("width", "height"):
        return value.isdigit() and int(value) <= 4000
    if name == "start":             # "2. Then..." after a code block goes on counting
        return value.isdigit() and len(value) <= 9
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


_CODEHILITE = {"css_class": "highlight", "guess_lang": False, "pygments_formatter": _Formatter}


def _fence(source: str, language: str, class_name: str, options: dict, md, **kwargs) -> str:
    """superfences formatter: a fence's code as codehilite renders it (Pygments
    classes; plain <pre><code> without a language)."""
    return CodeHilite(source, lang=language or None, **_CODEHILITE).hilite()


def _get_text(data: str, index: int) -> tuple[str, int, bool]:
    """Bounded, C-speed ``getText`` (``]``-terminated link text, 2 nesting levels).

    Stock python-markdown rescans the paragraph for each unmatched ``[``: O(n^2), a
    30 kB ``[[[[`` body took minutes.  Set per instance in ``_build``, never globally.
    """
    m = _LINK_TEXT.match(data, index, index + _MAX_LINK_SCAN)
    return (data[index : m.end() - 1], m.end(), True) if m else ("", index, False)


def _build(st: threading.local) -> None:
    st.post_md = markdown.Markdown(
        extensions=["pymdownx.superfences", "codehilite", "tables", "sane_lists"],
        extension_configs={
            "codehilite": _CODEHILITE,
            "tables": {"use_align_attribute": True},  # align="..." rather than style=""
            # Fences anywhere, list items included, highlighted exactly as codehilite
            # highlights them (the one formatter for every fence, "*").
            "pymdownx.superfences": {"custom_fences": [
                {"name": "*", "class": "highlight", "format": _fence}]},
        },
    )
    # After tabs are expanded (30), before fences are taken out (25).
    st.post_md.preprocessors.register(_CommonMarkLists(st.post_md), "commonmark_lists", 28)
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
