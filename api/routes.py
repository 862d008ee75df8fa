"""Every area's controllers, mounted under /api/v1 (each area adds its own here)."""

from __future__ import annotations

from typing import Any

API_ROUTES: list[Any] = []
