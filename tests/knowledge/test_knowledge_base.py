"""The knowledge base validates, and its validation catches what it must."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths
from bot.knowledge import KnowledgeError, load_knowledge
from bot.settings import load_settings
from bot.topics import faq_topic_ids

LANGUAGES = load_settings().language_codes


def test_the_real_knowledge_base_is_valid() -> None:
    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())

    assert set(base.topic_ids) == set(faq_topic_ids())


def test_topics_match_the_canonical_list() -> None:
    if not paths.SHARED_TOPICS_FILE.is_file():
        pytest.skip(f"canonical topic list not found at {paths.SHARED_TOPICS_FILE}")
    canonical = yaml.safe_load(paths.SHARED_TOPICS_FILE.read_text(encoding="utf-8"))
    ids = {topic for group in canonical.values() for topic in group}

    assert set(faq_topic_ids()) == ids


def test_every_topic_has_heldout_examples() -> None:
    heldout = {path.stem for path in (paths.HELDOUT_DIR / "faq").glob("*.yml")}

    assert heldout == set(faq_topic_ids())


def test_minimum_wage_answer_states_no_figure_and_says_where_it_is_published() -> None:
    topic = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())["minimum_wage"]

    for language in LANGUAGES:
        assert "円" not in topic.answer[language] and "yen" not in topic.answer[language].lower()
    assert any("minimumichiran" in link.url for link in topic.links)


def test_render_names_the_law_and_the_link() -> None:
    topic = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())["dismissal_notice"]

    text = topic.render("ja", law_label="根拠", link_label="詳しく", public_sector_label="公務員の方へ")

    assert "労働基準法第20条" in text
    assert topic.links[0].url in text


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    shutil.copytree(paths.KNOWLEDGE_DIR, directory)
    return directory


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory, LANGUAGES, faq_topic_ids())
    return caught.value.problems


def test_missing_language_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d["answer"].pop("en"))

    assert problems_of(knowledge_copy) == ["paid_leave.yml answer: no text for language 'en'"]


def test_orphan_and_missing_answers_are_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "paid_leave.yml").rename(knowledge_copy / "paid_holidays.yml")

    problems = problems_of(knowledge_copy)

    assert "paid_holidays.yml: orphan answer, no FAQ topic 'paid_holidays' is known" in problems
    assert "topic 'paid_leave' has no answer file paid_leave.yml" in problems


def test_answer_without_provisions_or_official_link_is_reported(knowledge_copy: Path) -> None:
    def strip(data: dict) -> None:
        data["refs"] = []
        data["links"] = [{"url": "http://example.com/", "ja": "例", "en": "example"}]

    edit(knowledge_copy / "overtime_pay.yml", strip)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml: 'refs' must name at least one legal provision" in problems
    assert "overtime_pay.yml links[0]: 'http://example.com/' is not an https link to an official site" in problems


def test_ref_without_article_number_is_reported(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "overtime_pay.yml",
        lambda d: d["refs"].append({"ja": "労働基準法", "en": "Labor Standards Act"}),
    )

    assert any("names no article" in problem for problem in problems_of(knowledge_copy))


def test_too_long_answers_are_reported(knowledge_copy: Path) -> None:
    def lengthen(data: dict) -> None:
        data["answer"]["ja"] = "あ" * 401
        data["answer"]["en"] = "word " * 121
        data.pop("public_sector", None)

    edit(knowledge_copy / "overtime_pay.yml", lengthen)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml answer[ja]: too long (401 characters > 400)" in problems
    assert "overtime_pay.yml answer[en]: too long (121 words > 120)" in problems


def test_reviewed_date_is_required(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "overtime_pay.yml", lambda d: d.pop("reviewed"))

    assert problems_of(knowledge_copy) == ["overtime_pay.yml: 'reviewed' must be a date (YYYY-MM-DD)"]
