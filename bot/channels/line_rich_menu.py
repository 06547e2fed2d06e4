"""Soba's LINE rich menu: language, talk to a counselor, common questions.

`soba line rich-menu --faq-url https://<public host>/faq/ja/` registers it as
the account's default menu, replacing the one registered before. The image
is `assets/line_rich_menu.png`, drawn by `scripts/make_line_rich_menu.py`
from the labels in texts/<language>.yml.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List

from linebot.models import PostbackAction, RichMenu, RichMenuArea, RichMenuBounds, RichMenuSize, URIAction

from bot.channels.line import LANGUAGE_MENU_PAYLOAD, LineClient
from bot.core.contract import REQUEST_HUMAN_PAYLOAD
from bot.texts import get_texts

logger = logging.getLogger(__name__)

RICH_MENU_NAME = "Soba"
IMAGE = Path(__file__).parent / "assets" / "line_rich_menu.png"
WIDTH, HEIGHT = 2500, 843


def area_labels(language: str) -> List[str]:
    """The three areas' labels, left to right, as the image shows them."""
    texts = get_texts()
    return [texts.get(language, key) for key in ("menu_language", "human_button", "menu_topics")]


def rich_menu(faq_url: str, language: str = "ja") -> RichMenu:
    """The menu: three equal areas; the chat bar reads "メニュー / Menu"."""
    if not faq_url.startswith("https://"):
        raise ValueError(f"the FAQ link must be a public https URL, got {faq_url!r}")
    third = WIDTH // 3
    widths = [third, third, WIDTH - 2 * third]
    language_label, human_label, _ = area_labels(language)
    actions = [
        PostbackAction(label=language_label, data=LANGUAGE_MENU_PAYLOAD, display_text=language_label),
        PostbackAction(label=human_label, data=REQUEST_HUMAN_PAYLOAD, display_text=human_label),
        URIAction(label=area_labels(language)[2][:20], uri=faq_url),
    ]
    areas = [
        RichMenuArea(bounds=RichMenuBounds(x=i * third, y=0, width=widths[i], height=HEIGHT), action=action)
        for i, action in enumerate(actions)
    ]
    return RichMenu(
        size=RichMenuSize(width=WIDTH, height=HEIGHT),
        selected=True,
        name=RICH_MENU_NAME,
        chat_bar_text="メニュー / Menu",
        areas=areas,
    )


async def register_rich_menu(client: LineClient, faq_url: str, image: Path = IMAGE) -> str:
    """Create the menu, upload its image, make it the default; remove earlier Soba menus. Returns its id."""
    api = client.api()
    menu_id: str = await api.create_rich_menu(rich_menu(faq_url))
    await api.set_rich_menu_image(menu_id, "image/png", image.read_bytes())
    await api.set_default_rich_menu(menu_id)
    for old in await api.get_rich_menu_list():
        if old.name == RICH_MENU_NAME and old.rich_menu_id != menu_id:
            await api.delete_rich_menu(old.rich_menu_id)
            logger.info("Removed the earlier Soba rich menu %s.", old.rich_menu_id)
    return menu_id
