"""The query language -> a backend-neutral `Query`.

    wifi drops "exact phrase" -word tag:wifi product:"AeroBook laptops" user:maria
    is:solved is:unsolved is:official is:open is:closed is:unanswered is:known

Plain words are ranked (a thread matching more of them ranks higher); phrases,
filters and exclusions must hold. Anything that cannot be understood is dropped
with a note the page can show; parsing never fails.
"""

from __future__ import annotations

from dataclasses import dataclass

FLAGS = ("solved", "unsolved", "official", "open", "closed", "unanswered", "known")
MAX_QUERY_LENGTH = 500


@dataclass(frozen=True)
class Query:
    raw: str = ""
    terms: tuple[str, ...] = ()       # plain words, lowercase
    phrases: tuple[str, ...] = ()     # "exact phrases", lowercase, inner spaces collapsed
    excluded: tuple[str, ...] = ()    # -word and -"phrase"
    tags: tuple[str, ...] = ()        # tag:x (all must hold)
    products: tuple[str, ...] = ()    # product:x (any of them)
    users: tuple[str, ...] = ()       # user:name, lowercase (any of them)
    flags: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()       # what was ignored and why, for the page

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.tags or self.products or self.users
                    or self.flags or self.excluded)

    def text(self) -> str:
        """The words and phrases alone, for spelling suggestions and 'similar'."""
        return " ".join([*self.terms, *(f'"{p}"' for p in self.phrases)])


def parse(raw: str) -> Query:
    raise NotImplementedError  # written by the query-language work
