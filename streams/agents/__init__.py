"""Every agent module, imported so the Faust app knows them."""

from streams.agents import (  # noqa: F401
    audit,
    notifications,
    prescription_locks,
    relay,
    system,
    waitlist,
)
