"""Printed receipts in every language: each character in a bundled font that has it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from hardware.pdf_fonts import MixedFont, _covered
from hardware.printing import Receipt, ReceiptLine, render_receipt_pdf

TEXTS = {
    "ko": ("대여 영수증", "전동드릴", "반납일: 2026년 11월 30일 (월)"),
    "en": ("Loan receipt", "전동드릴 (Power drill)", "Please bring it back by Mon 30 Nov 2026."),
    "zh": ("借用收据", "전동드릴 电钻", "请于2026年11月30日（星期一）前归还。"),
    "vi": ("Biên nhận mượn đồ", "전동드릴 (Máy khoan điện)", "Hạn trả: thứ Hai, 30/11/2026 — nhớ mang đủ phụ kiện"),
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_every_character_is_drawn_in_a_font_that_has_it(lang):
    for bold in (False, True):
        font = MixedFont(lang, bold)
        for text in TEXTS[lang]:
            runs = font.runs(text)
            assert "".join(run for _f, run in runs) == text
            for name, run in runs:
                missing = [ch for ch in run if ord(ch) not in _covered(name)]
                assert not missing, (lang, name, missing)


def test_hangul_stays_in_nanumgothic_and_vietnamese_letters_go_to_noto():
    runs = MixedFont("vi").runs("전동드릴 Hạn")
    assert runs == [("NanumGothic", "전동드릴"), ("NotoSansSC", " Hạn")]
    assert [name for name, _run in MixedFont("ko").runs("반납일: 11월 30일")] == ["NanumGothic"]


def test_long_lines_wrap_within_the_roll():
    font = MixedFont("zh")
    text = "请于2026年11月30日（星期一）前归还。归还时请带齐所有配件和充电电池。" * 2
    lines = font.wrap(text, 9, 150)
    assert len(lines) > 2 and "".join(lines) == text
    assert all(font.width(line, 9) <= 150 for line in lines)
    words = MixedFont("vi").wrap("Hạn trả: thứ Hai, 30/11/2026 nhớ mang đủ phụ kiện và pin sạc", 9, 120)
    assert all(not w.startswith(" ") and MixedFont("vi").width(w, 9) <= 120 for w in words)


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="needs poppler-utils")
@pytest.mark.parametrize("lang", ["zh", "vi"])
def test_a_receipt_embeds_both_fonts_and_its_text_reads_back(tmp_path, lang):
    heading, item, detail = TEXTS[lang]
    out = tmp_path / f"{lang}.pdf"
    render_receipt_pdf(Receipt(heading=heading, when="2026-11-22 10:05", lang=lang,
                               lines=(ReceiptLine(item, detail),)), out)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansSC" in fonts and "NanumGothic" in fonts
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert heading in text and "전동드릴" in text
