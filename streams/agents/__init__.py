"""Every agent module, imported so the Faust app knows them."""

from streams.agents import audit, notifications, prescription_locks, relay, system  # noqa: F401
