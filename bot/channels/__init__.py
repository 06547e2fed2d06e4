"""Rasa input channels: REST today; LINE, Telegram and the web widget build on `incoming`."""
