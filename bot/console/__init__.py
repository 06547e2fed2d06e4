"""The staff console: counselors' queue and tickets, accounts, audit log (a Starlette app on its own port)."""
