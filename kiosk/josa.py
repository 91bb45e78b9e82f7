"""Korean particles (josa) that fit the word before them.

A Korean particle changes with the sound that ends the word it follows:
"드릴**을**" but "텐트**를**", "드릴**로**" but "망치**로**" and "상자**로**" but "책**으로**".
A translator cannot know which word a placeholder such as ``{item}`` or
``{code}`` will hold, so the Korean catalogue writes the alternation where a
placeholder comes right before a particle (``{item}을(를)``) and this module
resolves it once the message is formatted. Nothing unresolved ever reaches a
screen, a receipt or a report.

Why a small function and not a library: the well-known Python packages for
this either pull in a morphological analyser (tens of MB, native code) or
handle Hangul syllables only. The kiosk's placeholders also hold item codes
(``T-00013``), numbers and Latin letters, which need Korean *reading* rules
(3 is 삼, so "T-00013을"; M is 엠, so "M을"). Those rules fit on one page and
are tested in ``tests/i18n/test_josa.py``.

The rule looks at the character right before the pattern:

* a Hangul syllable: its final consonant (batchim), if any; for ``(으)로`` a
  final ㄹ counts as no batchim ("드릴로");
* a digit: its Korean reading (0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육, 7 칠,
  8 팔, 9 구), so 0, 1, 3, 6, 7, 8 end in a consonant and 1, 7, 8 in ㄹ. A
  number ending in zeros is read with a unit (십, 백, 천, 만, 억), all of which
  end in a consonant other than ㄹ, like 영 itself; so the last digit decides;
* Latin letters: an abbreviation (all capitals, e.g. ``PDF``) is read letter
  by letter (L 엘, M 엠, N 엔, R 알 end in a consonant); an ordinary word by
  its usual Korean spelling, approximated by its ending (-m, -n, -ng, -l,
  -ck end in a consonant: "Drill" 드릴, "Pen" 펜, "Printer" 프린터);
* closing quotes and brackets are skipped back to the word they close; a
  bracketed aside such as "드릴(T-00013)" is skipped whole, because the
  particle belongs to the word before it and the aside is not read aloud;
* anything else (a symbol, an empty value): the form used after a vowel, the
  shorter and more common one.

Patterns resolved (either order inside the brackets): 은(는), 이(가), 을(를),
과(와), 아(야), (으)로 (also (으)로서, (으)로써 by the same rule), (이)에요,
(이)었, and a bare (이) before other endings such as (이)나, (이)라고.
"""

from __future__ import annotations

import re

__all__ = ["resolve", "has_batchim", "ALTERNATION"]

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # jongseong index of ㄹ

#: Korean reading of each digit: (ends in a consonant, that consonant is ㄹ)
_DIGITS = {
    "0": (True, False), "1": (True, True), "2": (False, False), "3": (True, False),
    "4": (False, False), "5": (False, False), "6": (True, False), "7": (True, True),
    "8": (True, True), "9": (False, False),
}
#: Korean reading of each Latin letter name (에이, 비, 씨, ... 엘, 엠, 엔, 알 ...)
_LETTERS = {c: (False, False) for c in "abcdefghijkopqstuvwxyz"}
_LETTERS.update({"l": (True, True), "m": (True, False), "n": (True, False), "r": (True, True)})
#: endings of ordinary English words whose Korean spelling has a batchim
_WORD_ENDINGS = (("ng", (True, False)), ("ck", (True, False)), ("ll", (True, True)),
                 ("l", (True, True)), ("m", (True, False)), ("n", (True, False)))
_CLOSERS = {")": "(", "]": "[", "}": "{", "）": "（", "］": "［"}
_QUOTES = set("'\"’”」』》〉>›»")

# (consonant form, vowel form) for each written alternation
_PAIRS = {
    "은(는)": ("은", "는"), "는(은)": ("은", "는"),
    "이(가)": ("이", "가"), "가(이)": ("이", "가"),
    "을(를)": ("을", "를"), "를(을)": ("을", "를"),
    "과(와)": ("과", "와"), "와(과)": ("과", "와"),
    "아(야)": ("아", "야"), "야(아)": ("아", "야"),
    "(이)에요": ("이에요", "예요"), "(이)었": ("이었", "였"),
}
#: every alternation this module resolves; what is left of it on a screen is a bug
ALTERNATION = re.compile(
    r"\(으\)로|" + "|".join(re.escape(p) for p in sorted(_PAIRS, key=len, reverse=True)) + r"|\(이\)"
)


def _ending(text: str, end: int) -> tuple[bool, bool] | None:
    """(has a final consonant, that consonant is ㄹ) of the word ending at ``text[:end]``."""
    i = end - 1
    while i >= 0:
        ch = text[i]
        if ch in _QUOTES:
            i -= 1
            continue
        if ch in _CLOSERS:
            # Skip a bracketed aside, unless nothing stands before it.
            depth, j = 0, i
            while j >= 0:
                if text[j] == ch:
                    depth += 1
                elif text[j] == _CLOSERS[ch]:
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if j > 0 and not text[j - 1].isspace():
                i = j - 1
                continue
            i -= 1  # read the aside itself
            continue
        break
    if i < 0:
        return None
    ch = text[i]
    code = ord(ch)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        jong = (code - _HANGUL_FIRST) % 28
        return (jong != 0, jong == _RIEUL)
    if ch in _DIGITS:
        return _DIGITS[ch]
    if ch.isascii() and ch.isalpha():
        start = i
        while start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
            start -= 1
        word = text[start:i + 1]
        if len(word) == 1 or word.isupper():
            return _LETTERS[ch.lower()]
        lower = word.lower()
        for suffix, reading in _WORD_ENDINGS:
            if lower.endswith(suffix):
                return reading
        return (False, False)
    return None


def has_batchim(word: str) -> bool | None:
    """Whether ``word`` ends in a consonant when read in Korean (None: cannot tell)."""
    reading = _ending(word, len(word))
    return None if reading is None else reading[0]


def resolve(text: str) -> str:
    """Replace every particle alternation in ``text`` with the form its word needs."""
    if "(" not in text:
        return text
    out: list[str] = []
    last = 0
    for match in ALTERNATION.finditer(text):
        start = match.start()
        out.append(text[last:start])
        # The word ends where the text written so far ends (earlier patterns already resolved).
        written = "".join(out)
        reading = _ending(written, len(written)) or (False, False)
        consonant, rieul = reading
        pattern = match.group()
        if pattern == "(으)로":
            out.append("으로" if consonant and not rieul else "로")
        elif pattern == "(이)":
            out.append("이" if consonant else "")
        else:
            with_consonant, with_vowel = _PAIRS[pattern]
            out.append(with_consonant if consonant else with_vowel)
        last = match.end()
    out.append(text[last:])
    return "".join(out)
