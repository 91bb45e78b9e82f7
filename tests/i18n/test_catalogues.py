"""The Korean, Chinese and Vietnamese catalogues: complete, clean, and true to their glossaries.

Each language's glossary (docs/glossary-<lang>.md) holds two tables this test
reads: **Terms** (an English msgid and its one translation) and **Words to
avoid** (a word, what to use instead, and where: all strings or the residents'
strings only). The catalogue files are read as they ship, fuzzy entries
included, so a fuzzy or empty entry is caught even though the kiosk ignores it.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n import LOCALE_DIR, is_resident_source, translate
from kiosk.i18n_extract import extract

LANGS = ("ko", "zh", "vi")
DOCS = Path(__file__).resolve().parents[2] / "docs"
MESSAGES = [m for m in extract() if m.id]
MSGIDS = sorted({m.id for m in MESSAGES})
RESIDENT = {m.id for m in MESSAGES if any(is_resident_source(f) for f, _ in m.locations)}


def _entries(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nanum.po").open("rb") as fh:
        return {m.id: m for m in read_po(fh, locale=lang) if m.id}


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _table(lang, heading):
    """Rows of the markdown table under ``## heading`` in the language's glossary."""
    text = (DOCS / f"glossary-{lang}.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    return [r for r in rows[2:] if r and r[0]]  # skip the header and its rule


def _finds(word, text):
    # A word in a Latin script matches whole words in any case ("bạn", not "bạnh");
    # Korean and Chinese have no spaces between words, so they match anywhere.
    latin = re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", word) and not re.search(r"[\u3040-\u9fff\uac00-\ud7a3]", word)
    if latin:
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None
    return word in text


@pytest.mark.parametrize("lang", LANGS)
def test_every_msgid_is_translated_and_nothing_is_fuzzy(lang):
    entries = _entries(lang)
    untranslated = [m for m in MSGIDS if m not in entries or not entries[m].string]
    fuzzy = [m for m in MSGIDS if m in entries and entries[m].fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated in {lang}: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_translation_keeps_the_placeholders_of_its_msgid(lang):
    broken = [(m.id, m.string) for m in _entries(lang).values()
              if m.string and _fields(m.string) != _fields(m.id)]
    assert broken == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_terms_are_the_catalogue_words(lang):
    entries = _entries(lang)
    rows = _table(lang, "Terms")
    assert len(rows) >= 15
    wrong = [(english, word, entries[english].string) for english, word, *_ in rows
             if english not in entries or entries[english].string != word]
    assert wrong == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_catalogue_string_uses_a_word_the_glossary_rules_out(lang):
    entries = _entries(lang)
    rows = _table(lang, "Words to avoid")
    assert rows
    found = []
    for avoid, use, where, *_ in rows:
        assert where in ("all", "residents"), f"glossary-{lang}.md: unknown scope {where!r}"
        for m in entries.values():
            if where == "residents" and m.id not in RESIDENT:
                continue
            if m.string and _finds(avoid, m.string):
                found.append(f"{avoid!r} (use {use!r}) in {m.string!r}")
    assert found == []


def test_the_glossaries_rule_out_what_the_residents_complained_of():
    avoided = {lang: {row[0] for row in _table(lang, "Words to avoid")} for lang in LANGS}
    assert "고치기" in avoided["ko"] and "니다" in avoided["ko"]
    assert "借阅" in avoided["zh"] and "bạn" in avoided["vi"]


# what is left of an alternation: the bracketed part of 은(는), 이(가), 을(를), 과(와), (으)로, (이)
_ALTERNATION = re.compile(r"\((?:는|은|가|이|를|을|와|과|야|아|으)\)")


def _unresolved(text):
    """Alternations not written right after a placeholder (the only place josa resolves them)."""
    bad = []
    for m in _ALTERNATION.finditer(text):
        start = m.start()
        if m.group() not in ("(으)", "(이)"):
            start -= 1  # the particle written before the brackets: 을(를)
        # a placeholder, perhaps inside brackets or quotes: {item}을(를), [{section}]이(가)
        if not re.search(r"\}[\]\)'\"’”」』]*$", text[:start]):
            bad.append(text)
    return bad


def test_korean_writes_an_alternation_only_right_after_a_placeholder():
    bad = [s for m in _entries("ko").values() if m.string for s in _unresolved(m.string)]
    assert bad == []


def test_the_alternation_check_tells_placeholders_from_fixed_words():
    assert _unresolved("{item}을(를) 빌렸어요.") == []
    assert _unresolved("{role}(으)로 추가했습니다.") == []
    assert _unresolved("{name}(이)라는 직원") == []
    assert _unresolved("구역 [{section}]이(가) 있습니다.") == []
    assert _unresolved("수평계은(는) 대여 중이 아니에요.")
    assert _unresolved("드릴(으)로")
    assert _unresolved("(가) 앞에 아무것도 없음")


@pytest.mark.parametrize("value", ["드릴", "망치", "T-00013", "T-00012", "M", "PDF", "3월 20일 (금)"])
def test_no_korean_message_shows_an_alternation_whatever_its_placeholders_hold(value):
    shown = [translate(m, "ko", **dict.fromkeys(_fields(m), value)) for m in MSGIDS]
    left = [s for s in shown if re.search(r"\((?:는|은|가|이|를|을|와|과|으)\)", s)]
    assert left == []
