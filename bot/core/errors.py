"""Errors that cross the process and layer boundaries of a turn."""

from __future__ import annotations


class ActionServerUnavailable(RuntimeError):
    """A turn's custom action could not run; the turn was not stored and must run again (bot/rasa_patches.py)."""
