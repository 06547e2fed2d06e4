"""A cited number is told from a figure in every language's way of citing."""

from __future__ import annotations

import pytest

from bot import paths
from bot.knowledge.citations import Citations
from bot.knowledge.figures import load_figures
from bot.settings import load_settings
from bot.texts import Texts, load_texts

SETTINGS = load_settings()
TEXTS = Texts(load_texts(paths.TEXTS_DIR, SETTINGS.answer_languages), SETTINGS)
CITATIONS = Citations.from_texts(TEXTS)
FIGURES = load_figures(paths.KNOWLEDGE_DIR / "figures.yml", SETTINGS.answer_languages, CITATIONS)


@pytest.mark.parametrize("language", SETTINGS.answer_languages)
def test_every_language_names_its_article_words(language: str) -> None:
    assert TEXTS.section(language, "law")["article_words"], f"texts/{language}.yml law.article_words is empty"


@pytest.mark.parametrize(
    "text",
    [
        "Luật Tiêu chuẩn Lao động (労働基準法), Điều 115 và Quy định bổ sung (附則), Điều 143, khoản 3",
        "노동기준법(労働基準法) 제30조의3・제30조의4, 같은 법 제31조의2",
        "《劳动者派遣法》（労働者派遣法）第30条之3、第30条之4",
        "Хөдөлмөрийн стандартын тухай хуулийн 143 дугаар зүйлийн 3 дахь хэсэг",
        "พระราชบัญญัติการจัดส่งแรงงาน มาตรา 40-6 วรรค 2 และวรรค 3",
        "ဥပဒေ ပုဒ်မ 89 နှင့် 90၊ ပုဒ်မ 33 ပုဒ်မခွဲ (1)",
        "Undang-Undang, Pasal 115 dan Ketentuan Tambahan Pasal 143 ayat (3)",
        "decisão do Supremo Tribunal de 19 de fevereiro de 2016",
        "사건 2013년(平成25年) 1월 18일 판결",
        "(人事院規則) 8-12 มาตรา 51",
        "Local Autonomy Act, Arts. 203-2 and 204",
    ],
)
def test_citations_and_dates_are_not_taken_for_figures(text: str) -> None:
    assert FIGURES.stray_numbers(text) == []


@pytest.mark.parametrize(
    ("text", "stray"),
    [
        ("Bạn phải được báo trước 30 ngày (Điều 20).", ["30"]),
        ("사전에 30일 전에 예고해야 합니다(제20조).", ["30"]),
        ("ต้องแจ้งล่วงหน้า 30 วัน (มาตรา 20)", ["30"]),
        ("Бие даасан 30 хоногийн өмнө (20 дугаар зүйл)", ["30"]),
        ("Pasal 20: pemberitahuan 30 hari sebelumnya", ["30"]),
    ],
)
def test_a_figure_written_by_hand_is_still_found(text: str, stray: list) -> None:
    assert FIGURES.stray_numbers(text) == stray


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("労働基準法第30条の3、第143条第3項", ("143", "3", "30-3")),
        ("노동기준법 제30조의3, 제143조 제3항", ("143", "3", "30-3")),
        ("《劳动者派遣法》第30条之3", ("30-3",)),
        ("Labor Standards Act, Arts. 30-3 and 143(3)", ("143", "3", "30-3")),
        ("Heisei 19 (2007), Điều 34 và 35", ("34", "35")),
    ],
)
def test_cited_numbers_are_written_the_same_in_every_language(text: str, numbers: tuple) -> None:
    assert CITATIONS.cited_numbers(text) == numbers
