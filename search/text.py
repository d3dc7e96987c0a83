"""Text helpers both backends use: the words as the index has them (folding,
compounds, technical tokens, stop words), snippets, the edit distance behind
"did you mean", and the start of a body as the snippet when no word of the query
is in it."""

from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.highlight import highlight as whoosh_highlight


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur.append(value)
        prev2, prev = prev, cur
    return prev[-1]


def lead(text: str, chars: int = 220) -> str:
    """The first `chars` characters, cut at a word, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0]
    return f"{cut} …"


# -- words as people write them ------------------------------------------------------
#
# Both backends see the same words: text is folded in Python before either analyses
# it (Whoosh through `ANALYZER`, PostgreSQL through `folded_text()`), at index and
# at query time.
#
#   case and accents     Café, CAFÉ -> cafe
#   hyphens              Wi-Fi, wi-fi -> wifi · e-mail -> email · ST-4012 -> st4012
#   written apart        "wi fi" -> wifi · "usb c" -> usbc · "log in" -> login (COMPOUNDS)
#   technical tokens     kept whole (0x80070005, aerotouch.sys, 23.40.0.4, kb5034441)
#                        and, in the index only, also split into their parts at the
#                        same position (st, 4012, aerotouch, sys, kb, 5034441), so a
#                        search for "4012" or "aerotouch" finds them while phrases
#                        still line up.
#   stop words           PostgreSQL's English list on both backends: never the only
#                        reason for a match, never highlighted.


# PostgreSQL's tsearch_data/english.stop, so both backends drop the same words.
STOP_WORDS = frozenset(["i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don", "should", "now"])

# Words people write apart or hyphenated that mean one thing; the joined form is the
# one indexed. Hyphenated words join anyway (wi-fi); these are the spaced spellings.
COMPOUNDS: dict[tuple[str, str], str] = {
    ("wi", "fi"): "wifi", ("e", "mail"): "email", ("usb", "c"): "usbc",
    ("log", "in"): "login", ("sign", "in"): "signin", ("log", "on"): "logon",
    ("set", "up"): "setup", ("start", "up"): "startup", ("boot", "loop"): "bootloop",
    ("web", "cam"): "webcam", ("touch", "pad"): "touchpad", ("track", "pad"): "trackpad",
    ("hot", "spot"): "hotspot", ("plug", "in"): "plugin", ("add", "on"): "addon",
    ("e", "book"): "ebook", ("dead", "lock"): "deadlock", ("back", "up"): "backup",
    ("blue", "tooth"): "bluetooth", ("lap", "top"): "laptop", ("re", "install"): "reinstall",
    ("pass", "word"): "password", ("user", "name"): "username", ("head", "phones"): "headphones",
    ("ether", "net"): "ethernet", ("fire", "wall"): "firewall", ("touch", "screen"): "touchscreen",
    ("e", "sim"): "esim",
}
MAX_PARTS = 8           # parts emitted for one technical token


def _fold_table() -> dict[int, str]:
    """Accented Latin letters -> their base letter, one character for one, so
    character offsets (for highlighting) stay those of the original text."""
    table = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[:1]
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    table.update({ord("ß"): "s", ord("ø"): "o", ord("Ø"): "O", ord("đ"): "d", ord("ł"): "l",
                  ord("Ł"): "L", ord("\u2010"): "-", ord("\u2011"): "-", ord("\u2013"): "-"})
    return table


FOLD = _fold_table()
_TOKEN = re.compile(r"\w+(?:[-.]\w+)*", re.UNICODE)
_SPLIT = re.compile(r"[-._]")
_ALNUM = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)


def _parts(raw: str, whole: str) -> list[str]:
    """The pieces of a technical token (ST-4012 -> st, 4012; kb5034441 -> kb, 5034441;
    0x80070005 -> 80070005), not the token itself; single characters left out."""
    pieces: list[str] = []
    for piece in _SPLIT.split(raw):
        if piece:
            pieces.append(piece)
            runs = _ALNUM.findall(piece)
            if len(runs) > 1:
                pieces += runs
    seen = {whole}
    out = []
    for piece in pieces:
        if len(piece) > 1 and piece not in seen:
            seen.add(piece)
            out.append(piece)
    return out[:MAX_PARTS]


_FIRST = frozenset(first for first, _ in COMPOUNDS)
_NO_PARTS: list[str] = []


def _tokens(text: str, parts: bool) -> list[tuple[str, int, int, list[str]]]:
    """(word, start, end, parts) for each word of `text`, folded and compounded.
    Hot when indexing: plain words (most of them) take the shortest path."""
    folded = text.translate(FOLD).lower()   # lower() keeps offsets for the Latin script
    if len(folded) != len(text):
        folded = text.translate(FOLD)        # a letter whose lower case is longer: per token
    found: list[tuple[str, int, int, list[str]]] = []
    append = found.append
    compounds = False
    for match in _TOKEN.finditer(folded):
        raw = match.group(0)
        if raw.isalpha():
            raw = raw.lower()
            append((raw, match.start(), match.end(), _NO_PARTS))
            compounds = compounds or raw in _FIRST
            continue
        raw = raw.lower()
        whole = raw.replace("-", "") if "-" in raw else raw
        append((whole, match.start(), match.end(),
                _parts(raw, whole) if parts and len(raw) > 2 else _NO_PARTS))
        compounds = compounds or whole in _FIRST
    if not compounds or len(found) < 2:
        return found
    merged: list[tuple[str, int, int, list[str]]] = []
    i = 0
    while i < len(found):
        word, start, end, pieces = found[i]
        if i + 1 < len(found) and word in _FIRST:
            joined = COMPOUNDS.get((word, found[i + 1][0]))
            if joined and not folded[end:found[i + 1][1]].strip():
                merged.append((joined, start, found[i + 1][2], _NO_PARTS))
                i += 2
                continue
        merged.append((word, start, end, pieces))
        i += 1
    return merged


class FoldingTokenizer(Tokenizer):
    """Whoosh tokenizer for the rules above. Parts are emitted only when indexing
    (`mode="index"`), at the position of their token."""

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for pos, (word, start, end, pieces) in enumerate(_tokens(value, mode == "index")):
            for text in (word, *pieces):
                t.text = text
                t.boost, t.stopped = 1.0, False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = start_pos + pos
                if chars:
                    t.startchar, t.endchar = start_char + start, start_char + end
                yield t


class _KeepTechnical(Filter):
    """Stem plain words only: a token with digits or dots (st4012, aerotouch.sys,
    23.40) is a name, and stays as written."""

    def __init__(self):
        self.stem = StemFilter(cachesize=50_000)

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, tokens):
        stemfn = self.stem.stemfn
        for t in tokens:
            if not t.stopped and t.text.isalpha():
                t.text = stemfn(t.text)
            yield t


#: For ranked text: folded, stop words out, plain words stemmed.
ANALYZER = FoldingTokenizer() | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=2) | _KeepTechnical()
#: Unstemmed words, for "did you mean".
PLAIN_ANALYZER = FoldingTokenizer() | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=2)


def analyzed(text: str, mode: str = "query") -> list[str]:
    """The index terms of `text` (stemmed, stop words out)."""
    return [t.text for t in ANALYZER(text, mode=mode)]


def fold_words(words: list[str]) -> list[str]:
    """A query's plain words as the index has them, unstemmed: Wi-Fi -> wifi,
    "usb c" -> usbc, Café -> cafe. Words with other signs (c++, c#) stay."""
    out: list[str] = []
    for word in words:
        if _TOKEN.fullmatch(word.translate(FOLD)):
            out += [w for w, *_ in _tokens(word, parts=False)]
        else:
            out.append(word)
    joined: list[str] = []
    for word in out:
        if joined and (joined[-1], word) in COMPOUNDS:
            joined[-1] = COMPOUNDS[(joined[-1], word)]
        else:
            joined.append(word)
    return list(dict.fromkeys(joined))


def fold_phrase(phrase: str) -> str:
    return " ".join(w for w, *_ in _tokens(phrase, parts=False))


def folded_text(text: str) -> tuple[str, str]:
    """(the words of `text` as the index has them, their parts) as plain text, for
    a backend that analyses text itself (PostgreSQL)."""
    words, parts = [], []
    for word, _, _, pieces in _tokens(text, parts=True):
        words.append(word)
        parts += pieces
    return " ".join(words), " ".join(parts)


class _Marker(Formatter):
    """Whoosh formatter: each highlighted token between the given markers."""

    between = " … "

    def __init__(self, start: str, end: str):
        self.start, self.end = start, end

    def format_token(self, text, token, replace=False):
        return f"{self.start}{get_text(text, token, replace)}{self.end}"


# Snippets are looked for in the first this many characters of a thread's text.
HIGHLIGHT_CHARS = 1_500


def highlight(text: str, words: list[str], start: str, end: str, chars: int = 220) -> str:
    """Up to two stretches of `text` around the query's `words` (as a user typed
    them; analysed here the way the index was), each match between `start` and
    `end`; "" when none is in it. Stop words are never marked."""

    terms = {t for w in words for t in analyzed(w)}
    if not terms or not text:
        return ""
    if len(text) > HIGHLIGHT_CHARS:     # analysing 4,000 characters cost 3 ms a result
        text = text[:HIGHLIGHT_CHARS].rsplit(" ", 1)[0]
    try:
        return whoosh_highlight(text, terms, ANALYZER, ContextFragmenter(maxchars=chars, surround=60),
                                _Marker(start, end), top=2)
    except Exception:  # noqa: BLE001 - a snippet is never worth an error
        return ""
