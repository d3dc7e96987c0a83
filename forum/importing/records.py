"""Reading and checking data lines, and turning one record into what its rows hold
(pure functions: the worker processes run `prepare_batch`)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forum.importing.text import fit_body, fit_title, html_to_markdown, plain_text_to_markdown
from forum.inputs import TAG_CHARS
from forum.markup import render_markdown

ANSWER_LICENSE = "CC BY-SA (version not recorded per answer; see the thread)"
_TAG_JUNK = re.compile(f"[^{TAG_CHARS}]+")
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


class ImportFailure(Exception):
    """A file cannot be imported; the message says which and why."""


@dataclass
class PreparedPost:
    source: str
    source_url: str | None
    content_license: str | None
    body: str
    body_html: str
    score: int
    created_at: datetime
    accepted: bool = False


@dataclass
class PreparedThread(PreparedPost):
    site: str | None = None
    username: str = ""
    title: str = ""
    tags: list[str] = field(default_factory=list)
    view_count: int = 0
    closed: bool = False
    answers: list[PreparedPost] = field(default_factory=list)
    empty_replies: int = 0


# -- origin: which site, which account, which tag ---------------------------------

def site_label(site: str | None) -> str:
    """"iot.stackexchange.com" -> "iot", "3dprinting.meta.stackexchange.com" ->
    "meta-3dprinting", "meta.mathoverflow.net" -> "meta-mathoverflow"; None -> "usenet"."""
    if not site:
        return "usenet"
    parts = re.sub(r"\.(stackexchange\.com|com|net|org)$", "", site.lower()).split(".")
    if "meta" in parts:
        parts = ["meta", *(p for p in parts if p != "meta")]
    return "-".join(parts)


def username_for(site: str | None) -> str:
    return "usenet" if not site else f"se-{site_label(site)}"[:30]


def thread_url(site: str, post_id: int) -> str:
    """The canonical short link of a question (meta sites carry their own host)."""
    return f"https://{site}/q/{post_id}"


def answer_url(site: str, answer_id: int) -> str:
    return f"https://{site}/a/{answer_id}"


def normalise_tags(raw: list[str], fallback: str, limit: int, max_len: int) -> list[str]:
    """Lowercase, ASCII, `[a-z0-9+#.-]`, at most `max_len` chars, at most `limit`
    distinct tags; a thread with none gets `fallback`."""
    tags: list[str] = []
    for name in raw:
        ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
        tag = _TAG_JUNK.sub("-", ascii_name.strip().lower()).strip("-")[:max_len].strip("-")
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:limit] or [fallback[:max_len]]


# -- records ----------------------------------------------------------------------

def _date(value) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def check_record(record) -> str | None:
    """What is wrong with one parsed line, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if not isinstance(record.get("id"), str) or not record["id"].strip() or len(record["id"]) > 150:
        return "'id' must be a non-empty string of at most 150 characters"
    for key in ("title", "body"):
        if not isinstance(record.get(key), str):
            return f"'{key}' must be a string"
    if not isinstance(record.get("tags", []), list) or not all(
            isinstance(t, str) for t in record.get("tags", [])):
        return "'tags' must be a list of strings"
    if record.get("score") is not None and not isinstance(record["score"], int):
        return "'score' must be a whole number or null"
    answers = record.get("answers", [])
    if not isinstance(answers, list) or not all(
            isinstance(a, dict) and isinstance(a.get("id"), int | str) and isinstance(a.get("body"), str)
            and (a.get("score") is None or isinstance(a["score"], int)) for a in answers):
        return "'answers' must be a list of objects with 'id' and a string 'body'"
    if record.get("site") is not None:
        if not isinstance(record["site"], str) or not _HOST.match(record["site"]):
            return "'site' must be a host name such as iot.stackexchange.com"
        if not isinstance(record.get("post_id"), int):
            return "'post_id' must be a whole number"
        if not all(isinstance(a["id"], int) for a in answers):
            return "Stack Exchange answer ids must be whole numbers"
        try:
            _date(record.get("creation_date"))
            for a in answers:
                _date(a.get("creation_date"))
        except (TypeError, ValueError):
            return "'creation_date' must be an ISO date such as 2016-12-06T17:10:44.557"
    return None


def read_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each non-blank line; ImportFailure on the first bad one."""
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ImportFailure(f"{path}: line {number}: not valid JSON ({e.msg}, "
                                        f"column {e.colno}).") from None
                if problem := check_record(record):
                    raise ImportFailure(f"{path}: line {number}: {problem}.")
                yield number, record
    except FileNotFoundError:
        raise ImportFailure(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise ImportFailure(f"{path}: is a folder, not a JSONL file.") from None
    except UnicodeDecodeError as e:
        raise ImportFailure(f"{path}: not UTF-8 text ({e.reason}).") from None
    except OSError as e:
        raise ImportFailure(f"{path}: cannot be read ({e.strerror}).") from None


@dataclass(frozen=True)
class Limits:
    """The post rules an import fits real data into (from the app config)."""

    title_min: int = 15
    title_max: int = 150
    body_min: int = 30
    body_max: int = 30_000
    tags_max: int = 5
    tag_max_len: int = 35

    @classmethod
    def from_config(cls, cfg) -> Limits:
        return cls(cfg["TITLE_MIN"], cfg["TITLE_MAX"], cfg["BODY_MIN"], cfg["BODY_MAX"],
                   cfg["TAGS_MAX"], cfg["TAG_MAX_LEN"])


def prepare_thread(record: dict, now: datetime, limits: Limits) -> PreparedThread:
    """One checked record -> the Markdown, HTML and fields of its rows (pure)."""
    site = record.get("site")
    label = site_label(site)
    plain = not site
    convert = plain_text_to_markdown if plain else html_to_markdown
    where = thread_url(site, record["post_id"]) if site else f"Usenet {record['id']}"
    asked_at = _date(record.get("creation_date")) or now

    def body_of(item: dict, where: str) -> str:
        text = None if plain else (item.get("body_markdown") or "").replace("\r\n", "\n").strip()
        return fit_body(text or convert(item["body"]), where, limits.body_min, limits.body_max)

    answers = []
    for item in record.get("answers", []):
        if not item["body"].strip():
            continue
        marker = f"a{item['id']}" if isinstance(item["id"], int) else item["id"]
        url = answer_url(site, item["id"]) if site else None
        body = body_of(item, url or f"Usenet {item['id']}")
        answers.append(PreparedPost(
            source=f"{record['id']}#{marker}"[:200], source_url=url,
            content_license=ANSWER_LICENSE if site else None, body=body,
            body_html=render_markdown(body), score=item.get("score") or 0,
            created_at=_date(item.get("creation_date")) or asked_at,
            accepted=bool(item.get("accepted")) or (
                record.get("accepted_answer_id") is not None
                and item["id"] == record.get("accepted_answer_id")),
        ))
    body = body_of(record, where)
    tags = normalise_tags(record.get("tags", []), label, limits.tags_max, limits.tag_max_len)
    return PreparedThread(
        source=record["id"], source_url=thread_url(site, record["post_id"]) if site else None,
        content_license=record.get("content_license"), body=body,
        body_html=render_markdown(body), score=record.get("score") or 0, created_at=asked_at,
        site=site, username=username_for(site),
        # A short Usenet title is padded with its group, a Stack Exchange one with its site.
        title=fit_title(record["title"], tags[0] if plain else label, limits.title_min,
                        limits.title_max),
        tags=tags,
        view_count=record.get("view_count") or 0, closed=bool(record.get("closed_date")),
        answers=answers, empty_replies=len(record.get("answers", [])) - len(answers),
    )


def prepare_batch(records: list[dict], now: datetime, limits: Limits) -> list[PreparedThread]:
    """`prepare_thread` over a batch: the unit of work of the worker processes."""
    return [prepare_thread(r, now, limits) for r in records]
