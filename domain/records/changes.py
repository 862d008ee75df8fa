"""What an amendment actually changes: an edit that sets every field to the value it has
already makes no new version, no event and no notice to the patient."""

from __future__ import annotations

from typing import Any


def changed_fields(current: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """The fields of `changes` whose value differs from the record's (a missing field counts
    as null, as the views show it)."""
    return sorted(name for name, value in changes.items() if current.get(name) != value)
