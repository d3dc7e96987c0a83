"""Fitting real text into our post rules: titles and bodies of the right length,
Stack Exchange HTML and Usenet plain text as Markdown (`forum.markup` renders it)."""

from __future__ import annotations

import re


def fit_title(title: str, label: str, lo: int, hi: int) -> str:
    """Real titles break our length rules: pad short ones with their origin, clip long ones."""
    title = " ".join(str(title or "").split()) or "Untitled thread"
    if len(title) < lo:
        title = f"{title} ({label})"
    if len(title) < lo:
        title = f"{title} - imported thread"
    if len(title) > hi:
        cut = title[: hi - 1]
        title = (cut.rsplit(" ", 1)[0] if " " in cut[hi // 2:] else cut).rstrip(" ,;:.-") + "\u2026"
    return title


def fit_body(body: str, where: str, lo: int, hi: int) -> str:
    """Bodies over the limit are cut on a line boundary with a note; empty or very
    short ones get a note saying so (the rules want at least `lo` characters)."""
    body = body.strip("\n")
    if not body.strip():
        return f"*(Imported from {where}; the original post has no text.)*"
    if len(body) < lo:
        return f"{body}\n\n*(Imported from {where}; the original post is this short.)*"
    if len(body) <= hi:
        return body
    note = f"\n\n*[This post was shortened to {hi:,} characters on import; the original: {where}]*"
    cut = body[: hi - len(note) - 4]
    if "\n" in cut[len(cut) // 2:]:
        cut = cut.rsplit("\n", 1)[0]
    if sum(1 for line in cut.split("\n") if line.lstrip().startswith(("```", "~~~"))) % 2:
        cut += "\n```"
    return cut.rstrip() + note


def html_to_markdown(html_body: str) -> str:
    from markdownify import markdownify

    return markdownify(html_body or "", heading_style="ATX", bullets="-").strip()


_QUOTE_MARK = re.compile(r"[ \t]{0,2}(?:[A-Z]{1,3}>|\|?>|:(?=[ \t]|$))[ \t]?")
_INLINE_SIGNIFICANT = re.compile(r"([\\`*_\[\]])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_LINE_START = (
    (re.compile(r"^([#+-])"), r"\\\1"),              # heading, list item, rule, setext
    (re.compile(r"^(\d+)\.(\s)"), r"\1\\.\2"),       # ordered list
    (re.compile(r"^=(=*\s*)$"), r"&#61;\1"),         # setext underline
)
_ALIGNED = re.compile(r"\S(?: {3,}|\t)\S")
_HARD_BREAK_BELOW = 60   # a line this short ended on purpose (Usenet wraps near 72-79)


def _quote_depth(line: str) -> tuple[int, str]:
    depth, pos = 0, 0
    while depth < 5 and (m := _QUOTE_MARK.match(line, pos)):
        depth, pos = depth + 1, m.end()
    return depth, line[pos:]


def _escape_line(text: str) -> str:
    text = _INLINE_SIGNIFICANT.sub(r"\\\1", text.strip())
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")
    for pattern, replacement in _LINE_START:
        text = pattern.sub(replacement, text)
    return text


def _render_run(depth: int, lines: list[str]) -> list[str]:
    """One stretch of lines at one quote depth -> Markdown lines."""
    out: list[str] = []
    prefix = "> " * depth
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    for block in (b for b in blocks if b):
        if out:
            out.append(prefix.rstrip())
        aligned = sum(1 for line in block if _ALIGNED.search(line))
        if depth == 0 and len(block) >= 2 and aligned * 2 >= len(block):
            fence = "~~~~" if any("```" in line for line in block) else "```"
            out.extend([fence, *block, fence])
            continue
        for i, line in enumerate(block):
            text = _escape_line(line)
            hard = i < len(block) - 1 and len(line.strip()) < _HARD_BREAK_BELOW
            out.append(prefix + text + ("  " if hard else ""))
    return out


def plain_text_to_markdown(text: str) -> str:
    """Usenet text as Markdown that renders as the text it was: Markdown-significant
    characters escaped, quoted lines ('>', ':', 'AB>') as block quotes, short lines
    kept as line breaks, column-aligned blocks (tables, ASCII art) as code."""
    lines = [line.rstrip() for line in (text or "").expandtabs(8).replace("\r\n", "\n").split("\n")]
    runs: list[tuple[int, list[str]]] = []
    for line in lines:
        depth, rest = _quote_depth(line) if line.strip() else (runs[-1][0] if runs else 0, "")
        if runs and runs[-1][0] == depth:
            runs[-1][1].append(rest)
        else:
            runs.append((depth, [rest]))
    out: list[str] = []
    previous = 0
    for depth, run in runs:
        rendered = _render_run(depth, run)
        if rendered and out:
            out.append("> " * min(depth, previous) if min(depth, previous) else "")
        if rendered:
            out.extend(rendered)
            previous = depth
    return "\n".join(out).strip("\n")
