"""The knowledge base validates, renders from its structure, and its validation catches what it must."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths
from bot.knowledge import AnswerLabels, KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.base import (
    BANNED_ABBREVIATIONS,
    CHARACTER_COUNTED_LANGUAGES,
    FIRST_SCREEN_CHARACTERS,
    FIRST_SCREEN_CHARACTERS_SPACED,
    LENGTH_LIMITED_LANGUAGES,
    first_screen_size,
    reading_size,
)
from bot.knowledge.citations import Citations
from bot.knowledge.figures import load_figures
from bot.settings import load_settings
from bot.texts import Texts, load_texts
from bot.topics import faq_topic_ids
from tests.knowledge.legal_content import SNAPSHOT, knowledge_content, texts_in

SETTINGS = load_settings()
LANGUAGES = SETTINGS.answer_languages
# Topics whose answers must state a time limit (the legal reviews, docs/legal-review.md).
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
    "dismissal_notice",
    "probation",
    "restructuring_layoff",
    "maternity_parental_leave",
)


def labels(language: str) -> AnswerLabels:
    return AnswerLabels.from_texts(Texts(load_texts(paths.TEXTS_DIR, LANGUAGES), SETTINGS), language)


@pytest.fixture(scope="module")
def base() -> KnowledgeBase:
    return load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, faq_topic_ids())


# ---- the real knowledge base ---------------------------------------------------------------


def test_the_real_knowledge_base_is_valid(base: KnowledgeBase) -> None:
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


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_language_says_what_the_last_legal_review_approved(language: str) -> None:
    """Figures, article numbers and official pages per topic, as in tests/knowledge/legal_content.json.

    Rewording an answer must not change them. A reviewed change of substance
    rewrites the snapshot (see tests/knowledge/legal_content.py). The other
    languages are held to the Japanese answer part by part, in every
    language's way of citing (test_every_translation_cites_what_the_japanese_answer_cites).
    """
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))

    assert knowledge_content(paths.KNOWLEDGE_DIR, language) == snapshot


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "ja"])
def test_every_translation_cites_what_the_japanese_answer_cites(language: str) -> None:
    """Article, paragraph and item numbers per topic and part, as in Japanese (bot/knowledge/citations.py)."""
    citations = Citations.from_texts(Texts(load_texts(paths.TEXTS_DIR, LANGUAGES), SETTINGS))
    names = load_figures(paths.KNOWLEDGE_DIR / "figures.yml", LANGUAGES, citations).names_with_digits

    def cited(node: object, code: str) -> set:
        # Names such as 36協定 ("the Article 36 agreement") are names, not citations.
        texts = [text for text in texts_in(node, code)]
        for name in names:
            texts = [text.replace(name, " ") for text in texts]
        return {number for text in texts for number in citations.cited_numbers(text)}

    differences = []
    for path in sorted(paths.KNOWLEDGE_DIR.glob("*.yml")):
        if path.name in ("figures.yml", "places.yml"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for part in ("summary", "steps", "deadlines", "details", "public_sector", "refs"):
            japanese, translated = cited(raw.get(part), "ja"), cited(raw.get(part), language)
            if japanese != translated:
                differences.append(
                    f"{path.stem} {part}: only in ja {sorted(japanese - translated)}, "
                    f"only in {language} {sorted(translated - japanese)}"
                )
    assert not differences, "\n".join(differences)


def test_minimum_wage_answer_states_no_figure_and_says_where_it_is_published(base: KnowledgeBase) -> None:
    topic = base["minimum_wage"]

    for language in LANGUAGES:
        text = topic.render(language, labels(language))
        assert "円" not in text and not re.search(r"\byen\b", text, re.IGNORECASE)
    assert any("minimumichiran" in link.url for link in topic.links)


def test_the_first_screen_answers_says_what_to_do_and_where_to_go(base: KnowledgeBase) -> None:
    screen = base["unpaid_wages"].first_screen("ja")

    assert screen.summary.startswith("払われていない給料は請求できます")
    assert 2 <= len(screen.steps) <= 4
    assert screen.places[0].name.startswith("労働基準監督署")
    assert screen.places[0].url and screen.places[0].url.startswith("https://www.mhlw.go.jp/")


def test_a_hotline_shows_its_number_from_settings(base: KnowledgeBase) -> None:
    screen = base["where_to_consult"].first_screen("en")

    hotline = next(place for place in screen.places if place.phone)
    assert hotline.phone == SETTINGS.contacts["labor_hotline"]
    assert f"Labour Conditions Hotline (free; weekday evenings, weekends and holidays) {hotline.phone}" in (
        base["where_to_consult"].render_first_screen("en", labels("en"))
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_first_screen_fits_a_phone_screen(base: KnowledgeBase, language: str) -> None:
    def screen_text(topic_id: str, code: str) -> str:
        screen = base[topic_id].first_screen(code)
        return "\n".join([screen.summary, *screen.steps, *screen.deadlines, *(p.text() for p in screen.places)])

    limit = FIRST_SCREEN_CHARACTERS if language in CHARACTER_COUNTED_LANGUAGES else FIRST_SCREEN_CHARACTERS_SPACED
    factor = SETTINGS.languages[language].length_vs_english if language in SETTINGS.languages else 1.0
    for topic_id in base.topic_ids:
        text = screen_text(topic_id, language)
        if language in LENGTH_LIMITED_LANGUAGES:
            assert first_screen_size(language, text) <= limit, topic_id
        else:
            english = reading_size("en", screen_text(topic_id, "en"))
            assert reading_size(language, text) <= english * factor, topic_id


def test_the_full_answer_is_first_screen_then_details_then_closing(base: KnowledgeBase) -> None:
    topic = base["dismissal_notice"]

    parts = topic.render_parts("ja", labels("ja"))

    assert (
        topic.render("ja", labels("ja")) == parts.full == "\n".join((parts.first_screen, parts.details, parts.closing))
    )
    assert parts.first_screen.splitlines()[0] == topic.first_screen("ja").summary
    assert "今すること:" in parts.first_screen and "1. " in parts.first_screen
    assert "労働基準法第20条" in parts.details and "労働基準法第20条" not in parts.first_screen
    assert topic.links[0].url in parts.details


def test_every_answer_ends_with_the_same_closing_text_in_every_language(base: KnowledgeBase) -> None:
    for language in LANGUAGES:
        closing = labels(language).closing
        for topic_id in base.topic_ids:
            assert base[topic_id].render(language, labels(language)).endswith("\n" + closing), (topic_id, language)


@pytest.mark.parametrize("topic_id", TOPICS_WITH_DEADLINES)
def test_deadlines_are_on_the_first_screen_with_their_figure_and_law_in_the_details(
    base: KnowledgeBase, topic_id: str
) -> None:
    topic = base[topic_id]

    assert topic.deadlines, f"{topic_id} states no deadline"
    for language in LANGUAGES:
        parts = topic.render_parts(language, labels(language))
        for deadline in topic.deadlines:
            filled = topic.text(deadline.text, language)
            assert f"⏳ {labels(language).deadline}: {filled}" in parts.first_screen
            assert any(ch.isdigit() for ch in filled), f"{topic_id}[{language}] deadline states no period"
            assert deadline.law[language] in parts.details


def test_no_answer_in_any_language_states_a_number_of_its_own(base: KnowledgeBase) -> None:
    for topic_id in base.topic_ids:
        topic = base[topic_id]
        parts = [topic.summary, *topic.steps, topic.details_text, *(d.text for d in topic.deadlines)]
        parts += [topic.public_sector.text] if topic.public_sector else []
        for part in parts:
            for language in LANGUAGES:
                assert base.figures.stray_numbers(part[language]) == [], (topic_id, language, part[language])


def test_no_banned_abbreviation_reaches_a_worker(base: KnowledgeBase) -> None:
    for topic_id in base.topic_ids:
        for language in LANGUAGES:
            text = base[topic_id].render(language, labels(language))
            for abbreviation in BANNED_ABBREVIATIONS:
                if abbreviation.isascii():
                    assert f" {abbreviation} " not in f" {text} ".replace("(", " ").replace(")", " "), topic_id
            assert "LSA" not in text and "NPSA" not in text and "LPSA" not in text, (topic_id, language)


def test_the_law_line_lists_only_the_main_provisions(base: KnowledgeBase) -> None:
    topic = base["dismissal_notice"]

    details = topic.details("ja")
    law_line = next(line for line in topic.render_details("ja", labels("ja")).splitlines() if line.startswith("根拠"))

    assert topic.public_sector is not None
    assert all(ref["ja"] not in law_line for ref in topic.public_sector.refs)
    assert all(ref["ja"] in law_line for ref in topic.refs)
    assert details.deadline_laws == tuple(deadline.law["ja"] for deadline in topic.deadlines)


def test_stale_or_non_professional_reviews_are_warned_about(base: KnowledgeBase) -> None:
    later = max(base[t].reviewed for t in base.topic_ids) + dt.timedelta(days=400)

    warnings = base.review_warnings(later)

    assert sum("over 12 months ago" in w for w in warnings) == len(base)


def test_an_answer_whose_law_changes_on_a_known_day_is_due_before_it(base: KnowledgeBase) -> None:
    due = base["foreign_worker"].review_before
    assert due is not None

    assert not any("must be reviewed before" in w for w in base.review_warnings(due - dt.timedelta(days=120)))
    assert "foreign_worker: must be reviewed before 2027-04-01 (a law it cites changes)" in base.review_warnings(
        due - dt.timedelta(days=30)
    )


# ---- what validation catches ---------------------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    shutil.copytree(paths.KNOWLEDGE_DIR, directory)
    return directory


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path, contacts: dict | None = None) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory, LANGUAGES, faq_topic_ids(), contacts)
    return caught.value.problems


def test_missing_language_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d["summary"].pop("en"))

    assert problems_of(knowledge_copy) == ["paid_leave.yml summary: no text for language 'en'"]


@pytest.mark.parametrize(("field", "value"), [("refs", True), ("links", 5), ("refs", {"ja": "第1条"})])
def test_a_list_that_is_not_a_list_is_reported_not_a_crash(knowledge_copy: Path, field: str, value: object) -> None:
    # Found by `make fuzz` (refs: true raised TypeError inside the loader).
    edit(knowledge_copy / "paid_leave.yml", lambda d: d.update({field: value}))

    assert any(f"paid_leave.yml {field}" in p or f"'{field}'" in p for p in problems_of(knowledge_copy))


def test_orphan_and_missing_answers_are_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "paid_leave.yml").rename(knowledge_copy / "paid_holidays.yml")

    problems = problems_of(knowledge_copy)

    assert "paid_holidays.yml: orphan answer, no FAQ topic 'paid_holidays' is known" in problems
    assert "topic 'paid_leave' has no answer file paid_leave.yml" in problems


def test_an_answer_in_the_old_single_paragraph_shape_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d.update(answer={"ja": "有給です。", "en": "Paid leave."}))

    assert any("'answer' was split into summary, steps" in p for p in problems_of(knowledge_copy))


def test_answer_without_provisions_or_known_place_is_reported(knowledge_copy: Path) -> None:
    def strip(data: dict) -> None:
        data["refs"] = []
        data["links"] = ["example_dot_com"]

    edit(knowledge_copy / "overtime_pay.yml", strip)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml refs must name at least one legal provision" in problems
    assert "overtime_pay.yml links[0]: 'example_dot_com' is not a page (with an address) in places.yml" in problems


def test_steps_and_where_to_go_have_their_shape(knowledge_copy: Path) -> None:
    def break_shape(data: dict) -> None:
        data["steps"] = data["steps"][:1]
        data["where_to_go"] = ["check_roudou"]

    edit(knowledge_copy / "overtime_pay.yml", break_shape)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml: 'steps' must list 2 to 4 things to do now" in problems
    assert "overtime_pay.yml where_to_go[0]: 'check_roudou' is not an office (with a name) in places.yml" in problems


def test_a_summary_of_more_than_two_sentences_is_reported(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "overtime_pay.yml",
        lambda d: d["summary"].update(en=d["summary"]["en"] + " Keep records (Labor Standards Act, Art. 109). Act."),
    )

    assert any("overtime_pay.yml summary[en]: 4 sentences > 2" in p for p in problems_of(knowledge_copy))


def test_a_first_screen_over_the_limit_is_reported(knowledge_copy: Path) -> None:
    def lengthen(data: dict) -> None:
        data["steps"][0]["ja"] = "あ" * 300
        data["steps"][0]["en"] = "word " * 100

    edit(knowledge_copy / "overtime_pay.yml", lengthen)

    problems = problems_of(knowledge_copy)

    assert any(p.startswith("overtime_pay.yml first screen[ja]: too long (") for p in problems)
    assert any(p.startswith("overtime_pay.yml first screen[en]: too long (") for p in problems)


def test_web_addresses_do_not_count_toward_the_first_screen() -> None:
    assert first_screen_size("en", "Go to https://www.mhlw.go.jp/a/very/long/address/index.html now") == len(
        "Go to now"
    )
    assert first_screen_size("ja", "窓口 https://www.mhlw.go.jp/ へ") == 3


def test_too_long_details_are_reported(knowledge_copy: Path) -> None:
    def lengthen(data: dict) -> None:
        # Every language's details without figures, so they still state the same ones.
        data["details"] = {code: "短い。" if code.startswith("ja") else "Short." for code in data["details"]}
        data["details"]["ja"] = "あ" * 601
        data["details"]["en"] = "word " * 221
        data.pop("public_sector", None)

    edit(knowledge_copy / "overtime_pay.yml", lengthen)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml details[ja]: too long (601 characters > 600)" in problems
    assert "overtime_pay.yml details[en]: too long (221 words > 220)" in problems


def test_abbreviations_are_reported_wherever_a_worker_reads_them(knowledge_copy: Path) -> None:
    def abbreviate(data: dict) -> None:
        data["details"]["en"] = data["details"]["en"].replace("Labor Standards Act, Art. 32", "LSA Art. 32")
        data["steps"][0]["ja"] = "労基署に行きましょう。"
        data["refs"][0]["en"] = "NPSA Art. 5"

    edit(knowledge_copy / "overtime_pay.yml", abbreviate)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml details[en]: abbreviations a worker may not know: ['LSA']" in problems
    assert "overtime_pay.yml steps[0][ja]: abbreviations a worker may not know: ['労基署']" in problems
    assert "overtime_pay.yml refs[0][en]: abbreviations a worker may not know: ['NPSA']" in problems


def test_full_law_names_that_contain_a_short_form_are_not_abbreviations(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "overtime_pay.yml",
        lambda d: d["details"].update(ja=d["details"]["ja"] + "男女雇用機会均等法と労働者派遣法も参照。"),
    )

    load_knowledge(knowledge_copy, LANGUAGES, faq_topic_ids())


def test_ref_without_article_number_is_reported(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "overtime_pay.yml",
        lambda d: d["refs"].append({"ja": "労働基準法", "en": "Labor Standards Act"}),
    )

    assert any("names no article" in problem for problem in problems_of(knowledge_copy))


def test_a_number_typed_into_an_answer_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d["steps"][0].update(ja=d["steps"][0]["ja"] + "10日です。"))

    assert any("numbers not taken from figures.yml: ['10']" in p for p in problems_of(knowledge_copy))


def test_a_phone_number_typed_into_a_step_is_reported(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "paid_leave.yml", lambda d: d["steps"][0].update(en="Call 0120-811-610."))

    assert any(
        "paid_leave.yml steps[0][en]: numbers not taken from figures.yml" in p for p in problems_of(knowledge_copy)
    )


def test_a_place_whose_phone_is_not_a_contact_is_reported(knowledge_copy: Path) -> None:
    contacts = {key: value for key, value in SETTINGS.contacts.items() if key != "labor_hotline"}

    assert problems_of(knowledge_copy, contacts) == [
        "places.yml labour_hotline: phone 'labor_hotline' is not a contact in settings.yml"
    ]


def test_a_changed_phone_number_is_one_edit_in_settings(knowledge_copy: Path) -> None:
    contacts = {**SETTINGS.contacts, "labor_hotline": "0120-000-000"}

    base = load_knowledge(knowledge_copy, LANGUAGES, faq_topic_ids(), contacts)

    assert "0120-000-000" in base["where_to_consult"].render_first_screen("ja", labels("ja"))


def test_a_translation_that_drops_a_figure_is_reported(knowledge_copy: Path) -> None:
    def drop(data: dict) -> None:
        data["summary"]["en"] = data["summary"]["en"].replace("{notice_days}", "enough")

    edit(knowledge_copy / "dismissal_notice.yml", drop)

    assert any("languages state different figures" in p for p in problems_of(knowledge_copy))


def test_a_figure_changed_once_changes_every_language(knowledge_copy: Path) -> None:
    figures = yaml.safe_load((knowledge_copy / "figures.yml").read_text(encoding="utf-8"))
    figures["figures"]["notice_days"]["value"] = 45
    (knowledge_copy / "figures.yml").write_text(yaml.safe_dump(figures, allow_unicode=True), encoding="utf-8")

    topic = load_knowledge(knowledge_copy, LANGUAGES, faq_topic_ids())["dismissal_notice"]

    for language in LANGUAGES:
        assert "45" in topic.render_first_screen(language, labels(language))


def test_deadline_without_its_period_or_law_is_reported(knowledge_copy: Path) -> None:
    def vague(data: dict) -> None:
        data["deadlines"][0] = {
            "text": {"ja": "早めに請求しましょう。", "en": "Claim early."},
            "law": {"ja": "労働基準法", "en": "Labor Standards Act"},
        }

    edit(knowledge_copy / "overtime_pay.yml", vague)

    problems = problems_of(knowledge_copy)

    assert "overtime_pay.yml deadlines[0] text[ja]: states no period from figures.yml" in problems
    assert "overtime_pay.yml deadlines[0] law[en]: names no provision" in problems


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
    assert moved in base["forced_resignation"].render_first_screen("ja", labels("ja"))


def test_reviewed_date_and_reviewer_are_required(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "overtime_pay.yml", lambda d: (d.pop("reviewed"), d.pop("reviewed_by")))

    assert problems_of(knowledge_copy) == [
        "overtime_pay.yml: 'reviewed' must be a date (YYYY-MM-DD)",
        "overtime_pay.yml: 'reviewed_by' must name the reviewer's role (e.g. union_counselor, lawyer)",
    ]
