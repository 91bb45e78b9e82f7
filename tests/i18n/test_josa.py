"""Korean particles fit the word a placeholder holds: no 은(는) on any screen."""

import pytest

from kiosk.i18n import translate
from kiosk.josa import has_batchim, resolve


@pytest.mark.parametrize(("text", "expected"), [
    # Hangul syllables with and without a final consonant
    ("수평계은(는) 대여 중이 아니에요.", "수평계는 대여 중이 아니에요."),
    ("드릴은(는) 대여 중이에요.", "드릴은 대여 중이에요."),
    ("텐트이(가) 도착했어요.", "텐트가 도착했어요."),
    ("망치이(가) 도착했어요.", "망치가 도착했어요."),
    ("공구함이(가) 도착했어요.", "공구함이 도착했어요."),
    ("텐트을(를) 빌렸어요.", "텐트를 빌렸어요."),
    ("책을(를) 빌렸어요.", "책을 빌렸어요."),
    ("드릴과(와) 망치", "드릴과 망치"),
    ("망치과(와) 드릴", "망치와 드릴"),
    # the order inside the brackets does not matter
    ("책는(은)", "책은"),
    ("사과를(을)", "사과를"),
])
def test_hangul_syllables_choose_by_their_final_consonant(text, expected):
    assert resolve(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("드릴(으)로 바꿨어요.", "드릴로 바꿨어요."),  # ㄹ takes 로
    ("서울(으)로", "서울로"),
    ("책(으)로", "책으로"),
    ("상자(으)로", "상자로"),
    ("자원봉사자(으)로 추가", "자원봉사자로 추가"),
    ("관리자(으)로서", "관리자로서"),
    ("현금(으)로써", "현금으로써"),
])
def test_ro_after_rieul_is_like_after_a_vowel(text, expected):
    assert resolve(text) == expected


@pytest.mark.parametrize(("digit", "consonant", "ro"), [
    ("0", True, "으로"), ("1", True, "로"), ("2", False, "로"), ("3", True, "으로"),
    ("4", False, "로"), ("5", False, "로"), ("6", True, "으로"), ("7", True, "로"),
    ("8", True, "로"), ("9", False, "로"),
])
def test_digits_follow_their_korean_reading(digit, consonant, ro):
    assert resolve(f"{digit}은(는)") == digit + ("은" if consonant else "는")
    assert resolve(f"{digit}(으)로") == digit + ro
    assert has_batchim(digit) is consonant


def test_numbers_ending_in_zero_are_read_with_a_unit_that_ends_in_a_consonant():
    assert resolve("10이(가)") == "10이"  # 십
    assert resolve("100(으)로") == "100으로"  # 백
    assert resolve("1000을(를)") == "1000을"  # 천
    assert resolve("12을(를)") == "12를"  # 십이


@pytest.mark.parametrize(("code", "expected"), [
    ("T-00013", "T-00013은"),  # 삼
    ("M-000006", "M-000006은"),  # 육
    ("M-000002", "M-000002는"),  # 이
    ("T-00015", "T-00015는"),  # 오
    ("GN01-T-00042", "GN01-T-00042는"),
])
def test_item_and_member_codes_read_by_their_last_digit(code, expected):
    assert resolve(code + "은(는)") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("PDF을(를) 저장했어요.", "PDF를 저장했어요."),  # 에프
    ("USB(으)로", "USB로"),  # 유에스비
    ("M을(를)", "M을"),  # 엠
    ("URL이(가)", "URL이"),  # 유알엘
    ("CSV을(를)", "CSV를"),  # 시에스브이
    ("Drill(으)로", "Drill로"),  # 드릴
    ("Pen이(가)", "Pen이"),  # 펜
    ("Printer이(가)", "Printer가"),  # 프린터
    ("zxing과(와)", "zxing과"),  # 지싱
])
def test_latin_letters_follow_their_english_reading(text, expected):
    assert resolve(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("'드릴'을(를) 눌러 주세요.", "'드릴'을 눌러 주세요."),
    ("‘빌리기’을(를) 눌러 주세요.", "‘빌리기’를 눌러 주세요."),
    ("“텐트”이(가)", "“텐트”가"),
    ("「망치」을(를)", "「망치」를"),
    # a bracketed aside is not read: the particle belongs to the word before it
    ("전동 드릴(T-00014)을(를) 빌렸어요.", "전동 드릴(T-00014)을 빌렸어요."),
    ("캠핑 의자(T-00013)을(를) 빌렸어요.", "캠핑 의자(T-00013)를 빌렸어요."),
    # ...unless the aside is all there is
    ("(T-00013)을(를)", "(T-00013)을"),
])
def test_closing_quotes_and_brackets_are_skipped_back_to_the_word(text, expected):
    assert resolve(text) == expected


def test_copula_and_bare_i_endings():
    assert resolve("사과(이)에요.") == "사과예요."
    assert resolve("책(이)에요.") == "책이에요."
    assert resolve("드릴(이)었어요.") == "드릴이었어요."
    assert resolve("망치(이)었어요.") == "망치였어요."
    assert resolve("정우진(이)라는 직원") == "정우진이라는 직원"
    assert resolve("김하나(이)라는 직원") == "김하나라는 직원"


def test_several_patterns_in_one_message_each_fit_their_own_word():
    assert resolve("드릴을(를) 텐트(으)로 바꾸고 망치와(과) 책을(를)") == "드릴을 텐트로 바꾸고 망치와 책을"


def test_text_without_a_pattern_is_left_alone():
    for text in ("드릴을 빌렸어요.", "", "(괄호) 안의 말", "Return (2)", "3 (of 5)"):
        assert resolve(text) == text


def test_an_unknown_word_gets_the_vowel_form_and_nothing_is_left_unresolved():
    assert resolve("은(는) 없어요") == "는 없어요"
    assert resolve("★이(가)") == "★가"


def test_korean_translations_resolve_particles_after_their_placeholders():
    msgid = "{code} is not on loan."
    assert translate(msgid, "ko", code="T-00013").startswith("T-00013은 대여 중이 아니")
    assert translate(msgid, "ko", code="T-00012").startswith("T-00012는 대여 중이 아니")
    assert translate("Site {site} added.", "ko", site="GN01").startswith("센터 GN01을 ")
    assert translate("Site {site} added.", "ko", site="GN02").startswith("센터 GN02를 ")


def test_other_languages_keep_brackets_as_written():
    assert translate("A message nobody translated (으)로 {x}", "en", x="드릴") == \
        "A message nobody translated (으)로 드릴"
