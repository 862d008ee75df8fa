"""Imports every actor module so the broker knows all actors (what `dramatiq` loads)."""

from actors import (  # noqa: F401
    appointments,
    auth,
    events,
    notifications,
    profiles,
    records,
    system,
    waitlist,
)
