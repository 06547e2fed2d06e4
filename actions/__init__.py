"""Soba's custom actions, one module per skill (run with `rasa run actions`)."""
