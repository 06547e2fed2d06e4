"""Register Soba's webhook and commands with Telegram (`soba telegram set-webhook`).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_SECRET_TOKEN=... \\
        python -m bot.cli telegram set-webhook --url https://<public host>

Telegram then posts updates to `<public host>/webhooks/telegram/webhook` with
the secret in `X-Telegram-Bot-Api-Secret-Token`, only the update kinds Soba
handles, and the menu shows /start, /lang and /human.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Tuple

from telegram import BotCommand
from telegram.error import TelegramError

from bot.channels.telegram import make_bot
from bot.settings import get_settings
from bot.texts import get_texts

WEBHOOK_PATH = "/webhooks/telegram/webhook"
ALLOWED_UPDATES = ("message", "callback_query")
# Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# The command menu's words are each language's `telegram_commands` in texts/<code>.yml;
# Telegram shows the list matching the app's language, else the one set without a
# language, which is English here.
FALLBACK_COMMANDS_LANGUAGE = "en"


class TelegramSetupError(RuntimeError):
    """The webhook cannot be registered; the message says what to fix."""


@dataclass(frozen=True)
class WebhookRegistration:
    """What Telegram confirmed."""

    url: str
    command_languages: Tuple[str, ...]


def webhook_url(public_url: str) -> str:
    """The webhook address under `public_url` (Telegram only posts to https)."""
    base = public_url.strip().rstrip("/")
    if not base.startswith("https://"):
        raise TelegramSetupError(f"--url must be Soba's public https address (a tunnel is fine), got {public_url!r}")
    return base + WEBHOOK_PATH


def secrets_from_env(env: Mapping[str, str]) -> Tuple[str, str]:
    """TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN, or an error naming what is missing or wrong."""
    token, secret = env.get("TELEGRAM_BOT_TOKEN", ""), env.get("TELEGRAM_SECRET_TOKEN", "")
    missing = [name for name, value in (("TELEGRAM_BOT_TOKEN", token), ("TELEGRAM_SECRET_TOKEN", secret)) if not value]
    if missing:
        raise TelegramSetupError(
            f"Set {' and '.join(missing)}: the bot token from @BotFather, and a random secret you choose "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), the same the Rasa server gets."
        )
    if not _SECRET.match(secret):
        raise TelegramSetupError("TELEGRAM_SECRET_TOKEN may hold only A-Z, a-z, 0-9, _ and - (1-256 characters).")
    return token, secret


def command_menus(languages: List[str]) -> Dict[str | None, List[BotCommand]]:
    """The commands per Telegram language code (None: everyone else)."""
    texts = get_texts()
    menus: Dict[str | None, List[BotCommand]] = {}
    for code in [None, *languages]:
        language = code or FALLBACK_COMMANDS_LANGUAGE
        if language in texts.languages:
            descriptions = texts.section(language, "telegram_commands")
            menus[code] = [BotCommand(name, str(text)) for name, text in descriptions.items()]
    return menus


async def register(token: str, secret: str, public_url: str, api_url: str | None = None) -> WebhookRegistration:
    """Set the webhook with its secret and allowed updates, and the command menus."""
    url = webhook_url(public_url)
    menus = command_menus(list(get_settings().language_codes))
    try:
        async with make_bot(token, api_url) as bot:  # checks the token (getMe)
            await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
            for language, commands in menus.items():
                await bot.set_my_commands(commands, language_code=language)
            info = await bot.get_webhook_info()
    except TelegramError as error:
        raise TelegramSetupError(f"Telegram refused: {error}") from error
    return WebhookRegistration(url=info.url, command_languages=tuple(code or "*" for code in menus))


def set_webhook(public_url: str, env: Mapping[str, str]) -> WebhookRegistration:
    """`register` with the secrets from `env` (the command-line entry point)."""
    token, secret = secrets_from_env(env)
    return asyncio.run(register(token, secret, public_url))
