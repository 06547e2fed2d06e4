"""Soba's schema, as Alembic migrations: every change to a table is a file in `versions/`."""
