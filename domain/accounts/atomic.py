"""Account writes that go with their events run as one transaction, retried on transient
conflicts (see `domain.shared.transaction`)."""

from domain.shared.transaction import run_in_transaction as atomically

__all__ = ["atomically"]
