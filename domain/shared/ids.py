"""Ids taken from a URL or query, in the one spelling the store and the audit trail use.

The store reads `5F1A...` and `5f1a...` as the same `_id`, but ids are also kept as strings
(a record's `patient_id`, the audit trail): an id used as typed matches nothing there, and a
read audited under it never shows in that patient's access log.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from domain.shared.errors import NotFound


def stored_spelling(value: str) -> str:
    """An ObjectId hex in lower case; anything else (a system actor, a test id) unchanged."""
    return str(ObjectId(value)) if ObjectId.is_valid(value) else value


def canonical_id(value: Any, what: str = "record") -> str:
    """The ObjectId hex in lower case, or NotFound for anything that is not one."""
    if not isinstance(value, str) or not ObjectId.is_valid(value):
        raise NotFound(f"{what} not found")
    return str(ObjectId(value))
