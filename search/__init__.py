"""Full-text search behind one interface. Imports nothing of the forum's.

The search issue adds the backends (Whoosh, PostgreSQL); the forum turns a
Question into a `ThreadDoc` and calls the index after each commit through
`forum.search_sync`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ThreadDoc:
    id: int
    title: str
    body: str
    tags: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    author: str = ""
    product: str | None = None
    solved: bool = False
    score: int = 0
    answer_count: int = 0


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    snippet: str = ""


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit] = field(default_factory=list)


class SearchIndex(Protocol):
    def upsert(self, doc: ThreadDoc) -> None: ...
    def delete(self, thread_id: int) -> None: ...
    def search(self, query: str, page: int, per_page: int) -> Results: ...
    def similar(self, title: str, limit: int = 5) -> list[int]: ...
