"""Imports every actor module so the broker knows all actors (what `dramatiq` loads)."""

from actors import events, notifications, records, system  # noqa: F401
from actors import auth  # noqa: F401, E402
