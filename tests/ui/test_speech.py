"""Speech engines: espeak-ng speaks each kiosk language; the best engine is chosen per language."""

from __future__ import annotations

import shutil
import subprocess
import wave

import pytest

from ui.speech import ESPEAK_VOICES, BestSpeech, EspeakSpeech, RecordingSpeech, Utterance, system_speech

ESPEAK = shutil.which("espeak-ng")


def test_the_espeak_command_carries_language_volume_and_speed():
    cmd = EspeakSpeech.command("espeak-ng", Utterance("请把标签对准方框。", "zh", volume=1.3, rate=0.75))
    assert cmd[:2] == ["espeak-ng", "-v"] and cmd[2] == "cmn"
    assert cmd[cmd.index("-a") + 1] == "130" and cmd[cmd.index("-s") + 1] == str(round(165 * 0.75))
    assert cmd[-2:] == ["--", "请把标签对准方框。"]  # "--": a sentence starting with "-" is not an option
    assert EspeakSpeech.command("espeak-ng", Utterance("x", "ko", volume=9.0))[4] == "200"  # capped


def test_each_language_goes_to_the_first_engine_that_has_a_voice_for_it():
    only_ko, every = RecordingSpeech(langs=("ko",)), RecordingSpeech()
    best = BestSpeech([only_ko, every])
    best.say(Utterance("안녕하세요", "ko"))
    best.say(Utterance("Xin chào", "vi"))
    assert only_ko.spoken == ["안녕하세요"] and every.spoken == ["Xin chào"]
    assert best.speaks("zh") and not BestSpeech([only_ko]).speaks("zh")


SENTENCES = [("ko", "회원카드를 카메라에 비춰 주세요."), ("en", "Hold the label inside the frame."),
             ("zh", "请把会员卡对准摄像头。"), ("vi", "Xin đưa thẻ thành viên trước camera.")]


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (Debian package espeak-ng)")
@pytest.mark.parametrize("lang,text", SENTENCES)
def test_espeak_has_a_voice_for_every_kiosk_language_and_says_the_sentence(tmp_path, lang, text):
    out = tmp_path / f"{lang}.wav"
    cmd = EspeakSpeech.command(ESPEAK, Utterance(text, lang))
    subprocess.run([cmd[0], "-w", str(out), *cmd[1:]], check=True, timeout=30, capture_output=True)
    with wave.open(str(out)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert seconds > 0.8  # a sentence, not a beep
    assert set(ESPEAK_VOICES) == {"ko", "en", "zh", "vi"}


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (Debian package espeak-ng)")
def test_the_system_speech_falls_back_to_espeak_and_stop_ends_the_child():
    speech = system_speech()
    assert all(speech.speaks(lang) for lang in ESPEAK_VOICES)
    speech.say(Utterance("나눔센터에 오신 것을 환영해요. " * 5, "ko"))
    speech.stop()
    engines = [e for e in speech.engines if isinstance(e, EspeakSpeech)]
    assert engines and engines[0]._proc is None
