"""Draw bot/channels/assets/line_rich_menu.png, the LINE rich-menu image (2500×843, three areas).

Run after changing the menu labels in texts/ja.yml or texts/en.yml:
    .venv/bin/python scripts/make_line_rich_menu.py
Needs a CJK font (Debian: fonts-noto-cjk); the PNG is committed, so running
Soba does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.line_rich_menu import HEIGHT, IMAGE, WIDTH, area_labels  # noqa: E402

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
COLOURS = ["#2f6f5e", "#b3472f", "#2d5d8a"]


def main() -> int:
    if not FONT.is_file():
        print(f"{FONT} is missing: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.truetype(str(FONT), 120), ImageFont.truetype(str(FONT), 80)
    third = WIDTH // 3
    for i, (ja, en) in enumerate(zip(area_labels("ja"), area_labels("en"))):
        left = i * third
        draw.rectangle([left + 12, 12, left + third - 12, HEIGHT - 12], fill=COLOURS[i])
        centre = left + third // 2
        draw.text((centre, HEIGHT // 2 - 80), ja, font=big, fill="white", anchor="mm")
        draw.text((centre, HEIGHT // 2 + 110), en, font=small, fill="white", anchor="mm")
    IMAGE.parent.mkdir(parents=True, exist_ok=True)
    image.save(IMAGE, optimize=True)
    print(f"wrote {IMAGE} ({IMAGE.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
