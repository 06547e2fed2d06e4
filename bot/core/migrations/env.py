"""Alembic's entry point: runs migrations on the connection `runner.upgrade` passes in."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.core.migrations.runner.upgrade(engine)")
# Batch mode lets the same migration alter tables on SQLite, which has no ALTER for constraints.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
