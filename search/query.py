"""The query language -> a backend-neutral `Query`.

    wifi drops "exact phrase" -word tag:wifi product:"AeroBook laptops" user:maria
    is:solved is:unsolved is:official is:open is:closed is:unanswered is:known

Plain words are ranked (a thread matching more of them ranks higher); phrases,
filters and exclusions must hold. Anything that cannot be understood is dropped
with a note the page can show; parsing never fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.text import fold_phrase, fold_words

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
    # (word, another word that means the same): a tag synonym (wireless -> wifi); a
    # thread with either has the word. Set by the forum, not by parse().
    synonyms: tuple[tuple[str, str], ...] = ()

    def alternatives(self, word: str) -> tuple[str, ...]:
        return tuple(other for w, other in self.synonyms if w == word)

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


_TOKEN = re.compile(r'(-?)(?:(\w+):)?("([^"]*)"?|\S+)', re.UNICODE)
_WORD_EDGE = re.compile(r"^[^\w#+]+|[^\w#+]+$", re.UNICODE)
_TAG = re.compile(r"^[a-z0-9+#.-]{1,35}$")
FIELDS = ("tag", "product", "user", "is")
_EXAMPLES = {"tag": "tag:wifi", "product": 'product:"AeroBook"', "user": "user:maria",
             "is": "is:solved"}


def _clean_word(word: str) -> str:
    """Lowercase and trim punctuation at the edges ("(printer)," -> "printer");
    inner characters such as wi-fi, c++, 802.11 stay for the analyzer."""
    return _WORD_EDGE.sub("", word.lower())


def _collapse(text: str) -> str:
    return " ".join(text.lower().split())


def parse(raw: str) -> Query:
    """Turn what a user typed into a `Query`. Never raises: what cannot be
    understood becomes a note and is left out."""
    raw = raw if isinstance(raw, str) else ""
    raw = "".join(ch for ch in raw if ch.isprintable() or ch in "\t\n")
    notes: list[str] = []
    if len(raw) > MAX_QUERY_LENGTH:
        cut = raw[:MAX_QUERY_LENGTH + 1]
        raw = cut.rsplit(None, 1)[0] if cut[-1:].strip() and " " in cut else cut[:MAX_QUERY_LENGTH]
        raw = raw[:MAX_QUERY_LENGTH]
        notes.append(f"Only the first {MAX_QUERY_LENGTH} characters of the query were used.")
    if raw.count('"') % 2:
        notes.append("A closing quote was missing; the phrase runs to the end of the query.")
    terms: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    tags: list[str] = []
    products: list[str] = []
    users: list[str] = []
    flags: set[str] = set()

    def add(bucket: list[str], value: str) -> None:
        if value and value not in bucket:
            bucket.append(value)

    for match in _TOKEN.finditer(raw):
        negate, field, token, quoted = match.groups()
        value = quoted if quoted is not None else token
        field = (field or "").lower()
        if not field and token.endswith(":") and token[:-1].lower() in FIELDS:
            field, value = token[:-1].lower(), ""     # "tag:" with nothing after it
        if field and field not in FIELDS:
            # "error:0x80070005" or "http://..." is text, not a filter
            value, field = f"{match.group(2)}:{value}", ""
        if field:
            value = _collapse(value)
            if not value:
                notes.append(f"`{field}:` needs a value, as in `{_EXAMPLES[field]}`; it was ignored.")
            elif field == "is":
                if value in FLAGS:
                    flags.add(value)
                else:
                    notes.append(f"`is:{value}` is not a filter; use one of "
                                 + ", ".join(f"is:{f}" for f in FLAGS) + ".")
            elif field == "tag":
                if _TAG.match(value):
                    add(tags, value)
                else:
                    notes.append(f"`tag:{value}` is not a valid tag name; it was ignored.")
            elif field == "product":
                add(products, value[:100])
            else:
                add(users, value[:30])
            continue
        if quoted is not None:
            phrase = _collapse(value)
            words = [w for w in (_clean_word(p) for p in phrase.split()) if w]
            if not words:
                continue
            text = " ".join(words)
            add(excluded if negate else (phrases if len(words) > 1 else terms), text)
            continue
        word = _clean_word(value)
        if not word:
            continue
        add(excluded if negate else terms, word)

    if {"solved", "unsolved"} <= flags:
        flags -= {"solved", "unsolved"}
        notes.append("`is:solved` and `is:unsolved` cancel out; both were ignored.")
    if {"open", "closed"} <= flags:
        flags -= {"open", "closed"}
        notes.append("`is:open` and `is:closed` cancel out; both were ignored.")
    # Words as the index has them: Wi-Fi -> wifi, "usb c" -> usbc, Café -> cafe.
    terms = fold_words(terms)
    excluded = list(dict.fromkeys(fold_phrase(x) or x for x in excluded))
    folded: list[str] = []
    for phrase in phrases:
        phrase = fold_phrase(phrase) or phrase
        if " " not in phrase:       # "wi fi" is one word once folded
            add(terms, phrase)
        else:
            add(folded, phrase)
    phrases = folded
    terms = [t for t in terms if t not in excluded]
    return Query(raw=raw, terms=tuple(terms[:32]), phrases=tuple(phrases[:8]),
                 excluded=tuple(excluded[:16]), tags=tuple(tags[:5]), products=tuple(products[:5]),
                 users=tuple(users[:5]), flags=frozenset(flags), notes=tuple(dict.fromkeys(notes)))
