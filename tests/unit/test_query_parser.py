"""The query language: what a user types -> a backend-neutral Query. Never fails."""

import pytest

from search.query import FLAGS, MAX_QUERY_LENGTH, parse


def test_plain_words_are_lowercased_terms():
    q = parse("WiFi Drops")
    assert q.terms == ("wifi", "drops")
    assert q.has_text and not q.phrases and not q.notes


def test_phrase_keeps_word_order_and_collapses_spaces():
    q = parse('printer "offline   after  update"')
    assert q.terms == ("printer",)
    assert q.phrases == ("offline after update",)


def test_single_quoted_word_is_a_term():
    assert parse('"driver"').terms == ("driver",)


def test_exclusions_of_words_and_phrases():
    q = parse('vpn -cisco -"split tunnel"')
    assert q.terms == ("vpn",)
    assert q.excluded == ("cisco", "split tunnel")


def test_excluded_word_is_not_also_a_term():
    assert parse("vpn -vpn").terms == ()


def test_filters():
    q = parse('tag:WiFi tag:windows product:"AeroBook 14" user:Maria is:solved is:official')
    assert q.tags == ("wifi", "windows")
    assert q.products == ("aerobook 14",)
    assert q.users == ("maria",)
    assert q.flags == {"solved", "official"}
    assert not q.has_text and not q.is_empty


@pytest.mark.parametrize("flag", FLAGS)
def test_every_documented_flag(flag):
    assert parse(f"is:{flag}").flags == {flag}


def test_unknown_flag_is_a_note_not_an_error():
    q = parse("is:bogus printer")
    assert q.flags == frozenset()
    assert q.terms == ("printer",)
    assert "is:bogus" in q.notes[0]


@pytest.mark.parametrize("pair", [("solved", "unsolved"), ("open", "closed")])
def test_contradicting_flags_cancel_with_a_note(pair):
    q = parse(f"is:{pair[0]} is:{pair[1]}")
    assert q.flags == frozenset()
    assert q.notes


@pytest.mark.parametrize("raw", ["tag:", "tag: wifi", "user:", 'product:""', "is:"])
def test_empty_filter_is_ignored_with_a_note(raw):
    q = parse(raw)
    assert not (q.tags or q.users or q.products or q.flags)
    assert "needs a value" in q.notes[0]


def test_invalid_tag_name_is_ignored_with_a_note():
    q = parse("tag:not/valid")
    assert q.tags == ()
    assert "not a valid tag" in q.notes[0]


def test_unbalanced_quote_runs_to_the_end():
    q = parse('blue screen "after update')
    assert q.terms == ("blue", "screen")
    assert q.phrases == ("after update",)
    assert "closing quote" in q.notes[0]


def test_unknown_field_prefix_is_text():
    q = parse("error:0x80070005")
    assert q.terms == ("error:0x80070005",)


def test_punctuation_at_word_edges_is_trimmed_inner_kept():
    # ... and words are folded as the index folds them: wi-fi is wifi
    assert parse("(printer), wi-fi c++ c# 802.11!").terms == (
        "printer", "wifi", "c++", "c#", "802.11")


def test_metacharacter_storm_yields_an_empty_query():
    q = parse('((()))^^~~*?[]{}:! AND OR NOT && || \\ / -')
    assert q.terms == ("and", "or", "not")
    assert parse("((()))^^~~*?[]{}:! \\ / -").is_empty


def test_long_query_is_cut_with_a_note():
    q = parse("printer " * 2000)
    assert len(q.raw) <= MAX_QUERY_LENGTH
    assert q.terms == ("printer",)
    assert "first" in q.notes[0]


def test_unicode_words_survive():
    assert parse("Drucker 打印机 ÉCRAN").terms == ("drucker", "打印机", "ecran")   # accents folded


def test_control_characters_are_dropped():
    assert parse("print\x00er\x02 \x03").terms == ("printer",)


def test_text_for_suggestions_and_similar():
    assert parse('vpn "will not connect" tag:vpn').text() == 'vpn "will not connect"'


@pytest.mark.parametrize("raw", [None, 42, ""])
def test_non_text_is_an_empty_query(raw):
    assert parse(raw).is_empty
