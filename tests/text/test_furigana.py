"""Furigana: UniDic's readings plus the override dictionary, on the terms a worker meets (issue 13, part 7)."""

from __future__ import annotations

import pytest

from bot.channels.line_messages import to_line_messages
from bot.channels.telegram_render import text_chunks
from bot.text.furigana import in_parentheses, overrides, reading_of, with_readings

# Each term as a worker hears it. The reading of the term with its furigana,
# read aloud (rubies replaced by their readings), must be exactly this.
LABOR_TERMS = {
    "解雇": "かいこ",
    "残業": "ざんぎょう",
    "有給休暇": "ゆうきゅうきゅうか",
    "労働基準監督署": "ろうどうきじゅんかんとくしょ",
    "雇止め": "やといどめ",
    "36協定": "さぶろくきょうてい",
    "在留カード": "ざいりゅうカード",
    "監理団体": "かんりだんたい",
    "残業代": "ざんぎょうだい",
    "給料": "きゅうりょう",
    "賃金": "ちんぎん",
    "最低賃金": "さいていちんぎん",
    "労災": "ろうさい",
    "労働組合": "ろうどうくみあい",
    "退職": "たいしょく",
    "退職届": "たいしょくとどけ",
    "休業手当": "きゅうぎょうてあて",
    "解雇予告手当": "かいこよこくてあて",
    "就業規則": "しゅうぎょうきそく",
    "労働契約": "ろうどうけいやく",
    "派遣": "はけん",
    "技能実習生": "ぎのうじっしゅうせい",
    "特定技能": "とくていぎのう",
    "育児休業": "いくじきゅうぎょう",
    "産休": "さんきゅう",
    "介護休業": "かいごきゅうぎょう",
    "社会保険": "しゃかいほけん",
    "雇用保険": "こようほけん",
    "失業保険": "しつぎょうほけん",
    "健康保険": "けんこうほけん",
    "厚生年金": "こうせいねんきん",
    "労働局": "ろうどうきょく",
    "総合労働相談コーナー": "そうごうろうどうそうだんコーナー",
    "相談": "そうだん",
    "証拠": "しょうこ",
    "給与明細": "きゅうよめいさい",
    "時間外労働": "じかんがいろうどう",
    "深夜労働": "しんやろうどう",
    "休日出勤": "きゅうじつしゅっきん",
    "労働時間": "ろうどうじかん",
    "休憩": "きゅうけい",
    "試用期間": "しようきかん",
    "無期転換": "むきてんかん",
    "契約社員": "けいやくしゃいん",
    "正社員": "せいしゃいん",
    "パワハラ": "パワハラ",
    "嫌がらせ": "いやがらせ",
    "未払い": "みばらい",
    "法テラス": "ほうテラス",
    "弁護士": "べんごし",
    "出入国在留管理庁": "しゅつにゅうこくざいりゅうかんりちょう",
    "公務員": "こうむいん",
    "会社": "かいしゃ",
    "上司": "じょうし",
    "転勤": "てんきん",
}


@pytest.mark.parametrize(("term", "reading"), sorted(LABOR_TERMS.items()))
def test_labor_terms_read_right(term: str, reading: str) -> None:
    assert reading_of(with_readings(term)) == reading


def test_there_are_at_least_forty_checked_terms_and_every_override_is_one_of_them_or_reads_as_written() -> None:
    assert len(LABOR_TERMS) >= 40
    for term, reading in overrides().items():
        assert reading_of(with_readings(term)) == reading


def test_only_the_kanji_carry_the_reading_and_kana_stay_plain() -> None:
    marked = with_readings("働きます")

    assert marked == "<ruby>働<rt>はたら</rt></ruby>きます"
    assert with_readings("ありがとう") == "ありがとう"


def test_web_addresses_spaces_and_lines_are_kept() -> None:
    text = "会社に相談。\nhttps://www.check-roudou.mhlw.go.jp/ 36協定の話"

    marked = with_readings(text)

    assert "https://www.check-roudou.mhlw.go.jp/ " in marked and "\n" in marked
    assert in_parentheses(marked) == (
        "会社(かいしゃ)に相談(そうだん)。\nhttps://www.check-roudou.mhlw.go.jp/ 36協定(さぶろくきょうてい)の話(はなし)"
    )


def test_text_already_marked_up_is_left_alone() -> None:
    marked = "<ruby>残業<rt>ざんぎょう</rt></ruby>代"

    assert with_readings(marked) == marked


def test_line_and_telegram_show_the_reading_in_parentheses() -> None:
    marked = with_readings("残業代を請求しましょう")

    line = to_line_messages([{"text": marked}])[0].as_json_dict()["text"]
    telegram = text_chunks(marked)[0]

    assert line == telegram == "残業(ざんぎょう)代(だい)を請求(せいきゅう)しましょう"
