"""Every agent module, imported so the Faust app knows them."""

from streams.agents import system  # noqa: F401
