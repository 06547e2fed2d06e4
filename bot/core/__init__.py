"""What everything else builds on: the declarative base of the SQL tables."""
