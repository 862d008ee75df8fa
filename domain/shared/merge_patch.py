"""JSON Merge Patch (RFC 7396) for the objects inside a PATCH body.

A client that sends `{"clinic": {"name": "New name"}}` means to rename the clinic, not to
erase its address, city and location; `null` removes a member, and an object is merged
member by member, at every depth.
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` with `patch` applied: what RFC 7396 says a server stores."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged
