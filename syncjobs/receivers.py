"""Receivers of the domain signals: they write outbox events (filled in by the sync flows)."""
