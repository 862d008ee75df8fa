"""Imports every actor module so the broker knows all actors (what `dramatiq` loads)."""

from actors import system  # noqa: F401
