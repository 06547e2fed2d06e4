"""Consultation tickets: a human counselor takes over a conversation."""
