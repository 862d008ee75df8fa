"""Imports every actor module so the broker knows all actors (what `dramatiq` loads)."""

from actors import appointments, auth, events, notifications, profiles, records, system  # noqa: F401
