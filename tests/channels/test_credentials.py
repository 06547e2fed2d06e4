"""Which channels the Rasa server starts with, and the token its HTTP API requires."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from bot import paths
from bot.api_token import rasa_api_token
from bot.channels.credentials import enabled_channels, write_effective_credentials


def test_channels_whose_secrets_are_unset_are_left_out(tmp_path: Path) -> None:
    enabled, disabled = enabled_channels({"LINE_CHANNEL_SECRET": "s"})

    assert "bot.channels.rest.SobaRestInput" in enabled
    assert disabled["bot.channels.line.LineInput"] == ["LINE_CHANNEL_ACCESS_TOKEN"]


def test_a_channel_with_all_its_secrets_is_written_for_rasa(tmp_path: Path) -> None:
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}

    written = yaml.safe_load(write_effective_credentials(env, tmp_path / "c.yml").read_text())

    # Rasa itself substitutes ${...}; the secret never lands in the written file.
    assert written["bot.channels.line.LineInput"]["channel_secret"] == "${LINE_CHANNEL_SECRET}"


def test_every_channel_in_credentials_yml_is_documented_with_env_secrets() -> None:
    raw = yaml.safe_load(paths.CREDENTIALS_FILE.read_text(encoding="utf-8"))

    for channel, config in raw.items():
        for key, value in (config or {}).items():
            assert str(value).startswith("${"), f"{channel}.{key} must come from the environment"


def test_the_api_token_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = rasa_api_token(env={}, var_dir=tmp_path)

    assert len(first) >= 32 and rasa_api_token(env={}, var_dir=tmp_path) == first
    assert stat.S_IMODE((tmp_path / "rasa-token").stat().st_mode) == 0o600
    assert rasa_api_token(env={"SOBA_RASA_TOKEN": "chosen"}, var_dir=tmp_path) == "chosen"
