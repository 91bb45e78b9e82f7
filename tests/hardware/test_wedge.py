"""Keyboard-wedge scanners told from people by key timing."""

from __future__ import annotations

from hardware.wedge import WedgeParser


def _type(parser: WedgeParser, text: str, t0: float, gap: float, enter_gap: float | None = None,
          enter: str = "\r") -> list[str]:
    """Feed ``text`` then Enter with ``gap`` seconds between keys; returns what was reported."""
    out = []
    t = t0
    for ch in text:
        got = parser.feed(ch, t)
        if got:
            out.append(got)
        t += gap
    t += (enter_gap if enter_gap is not None else gap) - gap
    got = parser.feed(enter, t)
    if got:
        out.append(got)
    return out


def test_scanner_burst_is_reported():
    p = WedgeParser()
    assert _type(p, "https://nanum.example.org/i/T-00042", 10.0, 0.008) == [
        "https://nanum.example.org/i/T-00042"]


def test_human_typing_is_not_reported():
    p = WedgeParser()
    assert _type(p, "T-00042", 10.0, 0.15) == []
    # Even a fast typist leaves more than 50 ms between some keys.
    assert _type(p, "T-00042", 20.0, 0.09) == []


def test_line_feed_ends_a_burst_too():
    assert _type(WedgeParser(), "8801234567893", 0.0, 0.004, enter="\n") == ["8801234567893"]


def test_typing_then_a_scan_reports_only_the_scan():
    p = WedgeParser()
    for i, ch in enumerate("hello"):
        assert p.feed(ch, 1.0 + 0.2 * i) is None
    assert _type(p, "NKC1-ABCDEFGH", 5.0, 0.01) == ["NKC1-ABCDEFGH"]


def test_a_pause_inside_a_burst_breaks_it():
    p = WedgeParser()
    out = []
    t = 0.0
    for ch in "T-000":
        out.append(p.feed(ch, t))
        t += 0.01
    t += 0.3  # someone typed these by hand after all
    for ch in "42":
        out.append(p.feed(ch, t))
        t += 0.01
    out.append(p.feed("\r", t))
    assert [o for o in out if o] == []  # "42" alone is shorter than min_length


def test_slow_enter_after_a_fast_burst_is_not_a_scan():
    assert _type(WedgeParser(), "T-00042", 0.0, 0.01, enter_gap=0.4) == []


def test_short_bursts_are_ignored():
    p = WedgeParser(min_length=4)
    assert _type(p, "abc", 0.0, 0.005) == []
    assert _type(p, "abcd", 1.0, 0.005) == ["abcd"]


def test_thresholds_are_configurable():
    p = WedgeParser(max_interval_s=0.12, min_length=6)
    assert _type(p, "T-00042", 0.0, 0.1) == ["T-00042"]
    assert _type(p, "T-42", 5.0, 0.01) == []


def test_pending_and_reset():
    p = WedgeParser()
    p.feed("T", 0.0)
    p.feed("-", 0.01)
    assert p.pending == "T-"
    assert p.in_burst(0.02) and not p.in_burst(0.5)
    p.reset()
    assert p.pending == ""
    assert p.feed("\r", 0.02) is None


def test_non_printable_keys_break_a_burst():
    p = WedgeParser()
    for i, ch in enumerate("T-00"):
        p.feed(ch, i * 0.01)
    p.feed("\x1b", 0.04)  # Escape
    for i, ch in enumerate("042"):
        p.feed(ch, 0.05 + i * 0.01)
    assert p.feed("\r", 0.08) is None
    assert p.feed("", 0.09) is None


def test_enter_alone_and_burst_after_burst():
    p = WedgeParser()
    assert p.feed("\r", 0.0) is None
    assert _type(p, "T-00001", 1.0, 0.005) == ["T-00001"]
    assert _type(p, "T-00002", 1.2, 0.005) == ["T-00002"]
