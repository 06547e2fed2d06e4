"""Soba: a multilingual labor-rights chatbot for people who work in Japan."""
