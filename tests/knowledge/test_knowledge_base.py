"""The knowledge base validates, and its validation catches what it must."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths
from bot.knowledge import AnswerLabels, KnowledgeError, load_knowledge
from bot.settings import load_settings
from bot.texts import Texts, load_texts
from bot.topics import faq_topic_ids

LANGUAGES = load_settings().language_codes
# Topics whose answers must state a time limit (the legal review, docs/legal-review.md).
TOPICS_WITH_DEADLINES = (
    "keeping_evidence",
    "overtime_pay",
    "unpaid_wages",
    "shutdown_allowance",
    "paid_leave",
    "join_union",
    "workplace_injury",
    "unemployment_benefits",
    "public_sector_worker",
    "unfair_dismissal",
)


def labels(language: str) -> AnswerLabels:
    settings = load_settings()
    return AnswerLabels.from_texts(Texts(load_texts(paths.TEXTS_DIR, settings.language_codes), settings), language)


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

    text = topic.render("ja", labels("ja"))

    assert "労働基準法第20条" in text
    assert topic.links[0].url in text


def test_every_answer_ends_with_the_same_closing_text_in_every_language() -> None:
    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())

    for language in LANGUAGES:
        closing = labels(language).closing
        for topic_id in base.topic_ids:
            assert base[topic_id].render(language, labels(language)).endswith("\n" + closing), (topic_id, language)


@pytest.mark.parametrize("topic_id", TOPICS_WITH_DEADLINES)
def test_deadlines_are_shown_in_every_language_with_their_figure(topic_id: str) -> None:
    topic = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())[topic_id]

    assert topic.deadlines, f"{topic_id} states no deadline"
    for language in LANGUAGES:
        text = topic.render(language, labels(language))
        for deadline in topic.deadlines:
            filled = topic.text(deadline, language)
            assert f"⏳ {labels(language).deadline}: {filled}" in text
            assert any(ch.isdigit() for ch in filled), f"{topic_id}[{language}] deadline states no period"


def test_no_answer_in_any_language_states_a_number_of_its_own() -> None:
    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())

    for topic_id in base.topic_ids:
        topic = base[topic_id]
        parts = [topic.answer, *topic.deadlines] + ([topic.public_sector.text] if topic.public_sector else [])
        for part in parts:
            for language in LANGUAGES:
                assert base.figures.stray_numbers(part[language]) == [], (topic_id, language, part[language])


def test_the_law_line_lists_only_the_main_provisions() -> None:
    topic = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())["dismissal_notice"]

    law_line = next(line for line in topic.render("ja", labels("ja")).splitlines() if line.startswith("根拠"))

    assert topic.public_sector is not None
    assert all(ref["ja"] not in law_line for ref in topic.public_sector.refs)
    assert all(ref["ja"] in law_line for ref in topic.refs)


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


def test_answer_without_provisions_or_known_place_is_reported(knowledge_copy: Path) -> None:
    def strip(data: dict) -> None:
        data["refs"] = []
        data["links"] = ["example_dot_com"]

    edit(knowledge_copy / "overtime_pay.yml", strip)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml refs must name at least one legal provision" in problems
    assert "overtime_pay.yml links[0]: 'example_dot_com' is not a place in places.yml" in problems


def test_a_place_that_is_not_an_official_https_page_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "places.yml", lambda d: d["places"]["check_roudou"].update(url="http://example.com/"))

    assert problems_of(knowledge_copy) == [
        "places.yml check_roudou: 'http://example.com/' is not an https link to an official site"
    ]


def test_a_page_that_moves_is_one_edit_that_reaches_every_answer(knowledge_copy: Path) -> None:
    moved = "https://www.mhlw.go.jp/general/seido/chihou/kaiketu/soudan-moved.html"
    edit(knowledge_copy / "places.yml", lambda d: d["places"]["labour_consultation_corner"].update(url=moved))

    base = load_knowledge(knowledge_copy, LANGUAGES, faq_topic_ids())

    using = [t for t in base.topic_ids if any(link.url == moved for link in base[t].links)]
    assert len(using) >= 19
    assert not any("kijyun" in link.url for t in base.topic_ids for link in base[t].links)


def test_ref_without_article_number_is_reported(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "overtime_pay.yml",
        lambda d: d["refs"].append({"ja": "労働基準法", "en": "Labor Standards Act"}),
    )

    assert any("names no article" in problem for problem in problems_of(knowledge_copy))


def test_a_number_typed_into_an_answer_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d["answer"].update(ja=d["answer"]["ja"] + "10日です。"))

    assert any("numbers not taken from figures.yml: ['10']" in p for p in problems_of(knowledge_copy))


def test_a_translation_that_drops_a_figure_is_reported(knowledge_copy: Path) -> None:
    def drop(data: dict) -> None:
        data["answer"]["en"] = data["answer"]["en"].replace("{notice_days}", "enough")

    edit(knowledge_copy / "dismissal_notice.yml", drop)

    assert any("languages state different figures" in p for p in problems_of(knowledge_copy))


def test_a_figure_changed_once_changes_every_language(knowledge_copy: Path) -> None:
    figures = yaml.safe_load((knowledge_copy / "figures.yml").read_text(encoding="utf-8"))
    figures["figures"]["notice_days"]["value"] = 45
    (knowledge_copy / "figures.yml").write_text(yaml.safe_dump(figures, allow_unicode=True), encoding="utf-8")

    topic = load_knowledge(knowledge_copy, LANGUAGES, faq_topic_ids())["dismissal_notice"]

    for language in LANGUAGES:
        assert "45" in topic.render(language, labels(language))


def test_deadline_without_its_period_is_reported(knowledge_copy: Path) -> None:
    def vague(data: dict) -> None:
        data["deadlines"][0] = {"ja": "早めに（労働基準法第115条）", "en": "Act early (Labor Standards Act, Art. 115)"}

    edit(knowledge_copy / "overtime_pay.yml", vague)

    assert "overtime_pay.yml deadlines[0][ja]: states no period from figures.yml" in problems_of(knowledge_copy)


def test_stale_or_non_professional_reviews_are_warned_about() -> None:
    import datetime as dt

    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())
    later = max(base[t].reviewed for t in base.topic_ids) + dt.timedelta(days=400)

    warnings = base.review_warnings(later)

    assert sum("over 12 months ago" in w for w in warnings) == len(base)


def test_an_answer_whose_law_changes_on_a_known_day_is_due_before_it() -> None:
    import datetime as dt

    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())
    due = base["foreign_worker"].review_before
    assert due is not None

    assert not any("must be reviewed before" in w for w in base.review_warnings(due - dt.timedelta(days=120)))
    assert "foreign_worker: must be reviewed before 2027-04-01 (a law it cites changes)" in base.review_warnings(
        due - dt.timedelta(days=30)
    )


def test_too_long_answers_are_reported(knowledge_copy: Path) -> None:
    def lengthen(data: dict) -> None:
        data["answer"]["ja"] = "あ" * 501
        data["answer"]["en"] = "word " * 171
        data.pop("public_sector", None)

    edit(knowledge_copy / "overtime_pay.yml", lengthen)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml answer[ja]: too long (501 characters > 500)" in problems
    assert "overtime_pay.yml answer[en]: too long (171 words > 170)" in problems


def test_reviewed_date_and_reviewer_are_required(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "overtime_pay.yml", lambda d: (d.pop("reviewed"), d.pop("reviewed_by")))

    assert problems_of(knowledge_copy) == [
        "overtime_pay.yml: 'reviewed' must be a date (YYYY-MM-DD)",
        "overtime_pay.yml: 'reviewed_by' must name the reviewer's role (e.g. union_counselor, lawyer)",
    ]
