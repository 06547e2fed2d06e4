"""Every word the console shows, per UI language (Japanese by default, English by a switch).

Counselors read Japanese; the person may not. Names of the languages people
write in are here too, so a counselor sees "英語" rather than "en".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Mapping, Optional
from zoneinfo import ZoneInfo

UI_LANGUAGES = ("ja", "en")
DEFAULT_UI_LANGUAGE = "ja"
# Times are shown as the counselors live them.
LOCAL_TIME = ZoneInfo("Asia/Tokyo")

TEXTS: Dict[str, Dict[str, str]] = {
    "ja": {
        "app_title": "Soba 相談員コンソール",
        "nav_queue": "相談キュー",
        "nav_staff": "スタッフ",
        "nav_audit": "監査ログ",
        "logout": "ログアウト",
        "switch_language": "English",
        "signed_in_as": "{name}（{role}）",
        "role_counselor": "相談員",
        "role_trainer": "トレーナー",
        "role_admin": "管理者",
        "login_title": "ログイン",
        "login_field": "ログインID",
        "password_field": "パスワード",
        "login_button": "ログイン",
        "login_failed": "ログインIDまたはパスワードが違います。",
        "login_throttled": (
            "ログインの失敗が続いたため、しばらくログインできません。{seconds}秒ほど待ってからもう一度お試しください。"
        ),
        "logged_out": "ログアウトしました。",
        "queue_title": "相談キュー",
        "filter_status": "状態",
        "filter_language": "言語",
        "filter_priority": "優先度",
        "filter_office": "窓口",
        "filter_any": "すべて",
        "filter_active": "未終了（すべて）",
        "filter_button": "絞り込む",
        "col_ticket": "番号",
        "col_priority": "優先度",
        "col_status": "状態",
        "col_waiting": "待ち時間",
        "col_office": "窓口",
        "col_language": "言語",
        "col_topics": "話題の推測",
        "col_assignee": "担当",
        "col_channel": "経路",
        "queue_empty": "該当する相談はありません。",
        "queue_readonly": "閲覧のみ（トレーナー）",
        "office_open": "受付時間内",
        "office_closed": "受付時間外",
        "office_next": "次の受付開始: {when}",
        "waiting_person": "相談者の返信待ち",
        "minutes": "{m}分",
        "hours": "{h}時間{m}分",
        "days": "{d}日{h}時間",
        "status_open": "未対応",
        "status_assigned": "対応中",
        "status_waiting": "相談者の返信待ち",
        "status_closed": "終了",
        "priority_urgent": "緊急",
        "priority_normal": "通常",
        "reason_low_confidence": "ボットが答えられなかった",
        "reason_request_human": "相談者が相談員を希望",
        "reason_crisis": "危機（緊急連絡先を案内済み）",
        "ticket_title": "相談 #{id}",
        "back_to_queue": "← 相談キューへ",
        "detail_status": "状態",
        "detail_priority": "優先度",
        "detail_reason": "理由",
        "detail_language": "相談者の言語",
        "detail_channel": "経路",
        "detail_office": "窓口",
        "detail_region": "地域",
        "detail_assignee": "担当",
        "detail_created": "受付",
        "detail_guesses": "最初の質問の話題の推測",
        "unassigned": "未割当",
        "transcript_title": "会話",
        "transcript_unavailable": (
            "会話の全記録（Rasaのトラッカー）が見つからないため、相談票に保存された記録を表示しています。"
        ),
        "author_user": "相談者",
        "author_bot": "Soba（ボット）",
        "author_staff": "相談員 {name}",
        "line_language": "言語: {language}",
        "line_topic": "話題の推測: {topic}",
        "reply_title": "返信",
        "reply_hint": "相談者の使っているアプリ（{channel}）に届きます。",
        "reply_button": "送信",
        "phrasebook_label": "よく使う言葉を相談者の言語（{language}）で入れる",
        "phrasebook_choose": "言葉を選ぶ…",
        "insert_title": "回答を挿入",
        "insert_hint": "知識ベースの回答を、相談者の言語（{language}）で送信します。",
        "insert_choose": "話題を選ぶ…",
        "insert_button": "回答を送信",
        "notes_title": "内部メモ（相談者には見えません）",
        "notes_empty": "メモはありません。",
        "note_button": "メモを追加",
        "assign_title": "担当",
        "assign_me": "自分が担当する",
        "assign_button": "この人に割り当てる",
        "close_title": "終了",
        "close_hint": "終了すると相談者に知らせ、ボットが再び答えるようになります。",
        "close_button": "相談を終了する",
        "forget_title": "会話の削除（本人の求め）",
        "forget_hint": (
            "本人から求められたときだけ使います。この人の会話・相談中のメッセージ・メモを削除し、"
            "受付の統計だけを残します。元に戻せません。"
        ),
        "forget_confirm": "本人の求めにより削除します",
        "forget_button": "この人の会話を削除する",
        "reopen_button": "相談を再開する",
        "closed_notice": "この相談は終了しています。",
        "delivery_failed": "送信できませんでした（Sobaのサーバーに届きませんでした）。入力した文は残っています。",
        "not_allowed": "この操作はできません。（{error}）",
        "empty_text": "テキストを入力してください。",
        "unknown_topic": "話題を選んでください。",
        "unknown_staff": "割り当て先のスタッフが見つかりません。",
        "staff_title": "スタッフ",
        "col_login": "ログインID",
        "col_name": "表示名",
        "col_role": "役割",
        "col_active": "状態",
        "col_created": "作成日",
        "office_none": "（なし）",
        "office_set_button": "変更",
        "office_scope_on": (
            "窓口ごとの閲覧制限: 有効（管理者以外は自分の窓口の相談だけを見られます。"
            "窓口のないアカウントは何も見られません）"
        ),
        "office_scope_off": "窓口ごとの閲覧制限: 無効（settings.yml の console.office_scoped）",
        "active_yes": "有効",
        "active_no": "無効",
        "staff_add_hint": (
            'アカウントはサーバーで作成します: soba staff add <ログインID> --role counselor --name "名前"'
        ),
        "audit_title": "監査ログ",
        "col_at": "日時",
        "col_staff": "スタッフ",
        "col_action": "操作",
        "col_details": "詳細",
        "col_ip": "接続元",
        "action_login": "ログイン",
        "action_login_failed": "ログイン失敗",
        "action_login_throttled": "ログイン拒否（待機中）",
        "action_login_refused": "ログイン拒否（入力が長すぎる）",
        "action_logout": "ログアウト",
        "action_view_ticket": "相談を閲覧",
        "action_reply": "返信",
        "action_insert_answer": "回答を挿入",
        "action_note": "メモ",
        "action_assign": "割り当て",
        "action_close": "終了",
        "action_reopen": "再開",
        "action_forget_person": "本人の求めで削除",
        "action_read_lines": "会話を取得",
        "action_view_staff": "スタッフ一覧を閲覧",
        "action_view_audit": "監査ログを閲覧",
        "action_set_office": "窓口を設定",
        "action_set_languages": "読める言語を設定",
        "col_languages": "読める言語",
        "languages_set_button": "設定",
        "nobody_reads": "この言語を読める相談員がいません",
        "action_denied": "拒否（権限なし）",
        "action_csrf_failed": "拒否（フォーム確認失敗）",
        "action_refused": "拒否（この状態ではできない操作）",
        "action_deactivate": "アカウント無効化",
        "action_reset_password": "パスワード再設定",
        "error_title": "エラー",
        "error_403": "このページを見る権限、またはこの操作をする権限がありません。",
        "error_csrf": "フォームを確認できませんでした。ページを読み込み直してから、もう一度お試しください。",
        "error_404": "ページが見つかりません。",
    },
    "en": {
        "app_title": "Soba counselor console",
        "nav_queue": "Queue",
        "nav_staff": "Staff",
        "nav_audit": "Audit log",
        "logout": "Log out",
        "switch_language": "日本語",
        "signed_in_as": "{name} ({role})",
        "role_counselor": "counselor",
        "role_trainer": "trainer",
        "role_admin": "admin",
        "login_title": "Log in",
        "login_field": "Login",
        "password_field": "Password",
        "login_button": "Log in",
        "login_failed": "Wrong login or password.",
        "login_throttled": "Too many failed logins. Please wait {seconds} seconds and try again.",
        "logged_out": "You are logged out.",
        "queue_title": "Queue",
        "filter_status": "Status",
        "filter_language": "Language",
        "filter_priority": "Priority",
        "filter_office": "Office",
        "filter_any": "Any",
        "filter_active": "Not closed (all)",
        "filter_button": "Filter",
        "col_ticket": "No.",
        "col_priority": "Priority",
        "col_status": "Status",
        "col_waiting": "Waiting",
        "col_office": "Office",
        "col_language": "Language",
        "col_topics": "Topic guesses",
        "col_assignee": "Assignee",
        "col_channel": "Channel",
        "queue_empty": "No tickets match.",
        "queue_readonly": "Read-only (trainer)",
        "office_open": "open now",
        "office_closed": "closed now",
        "office_next": "opens {when}",
        "waiting_person": "waiting for the person",
        "minutes": "{m} min",
        "hours": "{h} h {m} min",
        "days": "{d} d {h} h",
        "status_open": "open",
        "status_assigned": "assigned",
        "status_waiting": "waiting for the person",
        "status_closed": "closed",
        "priority_urgent": "urgent",
        "priority_normal": "normal",
        "reason_low_confidence": "the bot could not answer",
        "reason_request_human": "the person asked for a counselor",
        "reason_crisis": "crisis (emergency contacts were given)",
        "ticket_title": "Ticket #{id}",
        "back_to_queue": "← Queue",
        "detail_status": "Status",
        "detail_priority": "Priority",
        "detail_reason": "Reason",
        "detail_language": "Person's language",
        "detail_channel": "Channel",
        "detail_office": "Office",
        "detail_region": "Region",
        "detail_assignee": "Assignee",
        "detail_created": "Opened",
        "detail_guesses": "Topic guesses for the first question",
        "unassigned": "unassigned",
        "transcript_title": "Conversation",
        "transcript_unavailable": (
            "Rasa's full record of the conversation was not found; showing the copy kept with the ticket."
        ),
        "author_user": "Person",
        "author_bot": "Soba (bot)",
        "author_staff": "Counselor {name}",
        "line_language": "Language: {language}",
        "line_topic": "Topic guess: {topic}",
        "reply_title": "Reply",
        "reply_hint": "Delivered in the person's app ({channel}).",
        "reply_button": "Send",
        "phrasebook_label": "Insert a common phrase in the person's language ({language})",
        "phrasebook_choose": "Choose a phrase…",
        "insert_title": "Insert answer",
        "insert_hint": "Sends the knowledge-base answer in the person's language ({language}).",
        "insert_choose": "Choose a topic…",
        "insert_button": "Send answer",
        "notes_title": "Internal notes (the person never sees them)",
        "notes_empty": "No notes.",
        "note_button": "Add note",
        "assign_title": "Assignee",
        "assign_me": "Assign to me",
        "assign_button": "Assign to",
        "close_title": "Close",
        "close_hint": "Closing tells the person, and the bot answers again.",
        "close_button": "Close the ticket",
        "forget_title": "Delete the conversation (at the person's request)",
        "forget_hint": (
            "Only when the person asks. Deletes this person's conversation, their messages and the notes; "
            "only the ticket's statistics stay. This cannot be undone."
        ),
        "forget_confirm": "The person asked for this deletion",
        "forget_button": "Delete this person's conversation",
        "reopen_button": "Reopen the ticket",
        "closed_notice": "This ticket is closed.",
        "delivery_failed": "Not delivered (Soba's server could not be reached); your text is still in the box.",
        "not_allowed": "Not possible now. ({error})",
        "empty_text": "Please type some text.",
        "unknown_topic": "Please choose a topic.",
        "unknown_staff": "No such staff member.",
        "staff_title": "Staff",
        "col_login": "Login",
        "col_name": "Name",
        "col_role": "Role",
        "col_active": "State",
        "col_created": "Created",
        "office_none": "(none)",
        "office_set_button": "Set",
        "office_scope_on": (
            "Access by office: on (everyone but admins sees only their own office's tickets; "
            "an account without an office sees none)"
        ),
        "office_scope_off": "Access by office: off (console.office_scoped in settings.yml)",
        "active_yes": "active",
        "active_no": "inactive",
        "staff_add_hint": 'Accounts are created on the server: soba staff add <login> --role counselor --name "Name"',
        "audit_title": "Audit log",
        "col_at": "When",
        "col_staff": "Staff",
        "col_action": "Action",
        "col_details": "Details",
        "col_ip": "From",
        "action_login": "login",
        "action_login_failed": "failed login",
        "action_login_throttled": "login refused (must wait)",
        "action_login_refused": "login refused (field too long)",
        "action_logout": "logout",
        "action_view_ticket": "viewed ticket",
        "action_reply": "reply",
        "action_insert_answer": "inserted answer",
        "action_note": "note",
        "action_assign": "assign",
        "action_close": "close",
        "action_reopen": "reopen",
        "action_forget_person": "deleted at the person's request",
        "action_read_lines": "read conversation",
        "action_view_staff": "viewed staff list",
        "action_view_audit": "viewed audit log",
        "action_set_office": "set office",
        "action_set_languages": "set languages",
        "col_languages": "Reads",
        "languages_set_button": "Set",
        "nobody_reads": "No counselor reads this language",
        "action_denied": "refused (not allowed)",
        "action_csrf_failed": "refused (form not verified)",
        "action_refused": "refused (not possible now)",
        "action_deactivate": "account deactivated",
        "action_reset_password": "password reset",
        "error_title": "Error",
        "error_403": "You may not see this page or do this.",
        "error_csrf": "The form could not be verified. Reload the page and try again.",
        "error_404": "Page not found.",
    },
}

# The languages people write in, named in the UI language.
LANGUAGE_NAMES: Dict[str, Dict[str, str]] = {
    "ja": {
        "ja": "日本語", "ja-easy": "やさしい日本語", "en": "英語", "zh": "中国語", "vi": "ベトナム語",
        "pt": "ポルトガル語", "es": "スペイン語", "tl": "タガログ語", "id": "インドネシア語", "ne": "ネパール語",
        "ko": "韓国語", "th": "タイ語", "my": "ミャンマー語", "km": "クメール語", "mn": "モンゴル語",
    },
    "en": {
        "ja": "Japanese", "ja-easy": "Easy Japanese", "en": "English", "zh": "Chinese", "vi": "Vietnamese",
        "pt": "Portuguese", "es": "Spanish", "tl": "Tagalog", "id": "Indonesian", "ne": "Nepali",
        "ko": "Korean", "th": "Thai", "my": "Burmese", "km": "Khmer", "mn": "Mongolian",
    },
}  # fmt: skip


def ui_language(value: Any) -> str:
    """A supported UI language, else the default (Japanese)."""
    return value if value in UI_LANGUAGES else DEFAULT_UI_LANGUAGE


def text(ui: str, key: str, /, **values: Any) -> str:
    """The UI text `key` in the UI language `ui`, with placeholders filled (any names, `language` too)."""
    template = TEXTS[ui_language(ui)][key]
    return template.format(**values) if values else template


def language_name(ui: str, code: Optional[str]) -> str:
    """The name of the language `code` in the UI language (the code itself if unknown)."""
    if not code:
        return ""
    return LANGUAGE_NAMES[ui_language(ui)].get(code, code)


def duration(ui: str, delta: dt.timedelta) -> str:
    """A waiting time as a counselor reads it: minutes, hours, days."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return text(ui, "minutes", m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return text(ui, "hours", h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return text(ui, "days", d=days, h=hours)


def local_time(moment: Optional[dt.datetime], with_seconds: bool = False) -> str:
    """A stored UTC time in Japan time, e.g. 2024-05-01 14:03."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def labels(language: str) -> Mapping[str, str]:
    """Every UI text of `language`, for templates."""
    return TEXTS[ui_language(language)]
