"""Requests sent in phases against a real web process (before, during and after an outage),
with every status seen per phase and path and the slowest answer per phase."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

# (method, path, JSON body or a function making a fresh one per request, headers)
Request = tuple[str, str, Any, dict[str, str]]


class PhasedLoad:
    def __init__(self, url: str, requests: list[Request], workers: int) -> None:
        self.url, self.requests, self.workers = url, requests, workers
        self.statuses: dict[tuple[str, str], set[int]] = {}
        self.slowest: dict[str, float] = {}

    async def run(self, phase: str, seconds: float) -> None:
        """`workers` clients send the requests in turn, back to back, for `seconds`."""
        async with httpx.AsyncClient(base_url=self.url, timeout=15) as http:
            deadline = time.monotonic() + seconds

            async def one() -> None:
                while time.monotonic() < deadline:
                    for method, path, body, headers in self.requests:
                        payload = body() if callable(body) else body
                        started = time.monotonic()
                        response = await http.request(method, path, json=payload, headers=headers)
                        elapsed = time.monotonic() - started
                        self.slowest[phase] = max(self.slowest.get(phase, 0), elapsed)
                        self.statuses.setdefault((phase, path), set()).add(response.status_code)

            await asyncio.gather(*(one() for _ in range(self.workers)))

    def seen(self, phase: str) -> dict[str, set[int]]:
        """The statuses of `phase`, by path."""
        return {path: codes for (when, path), codes in self.statuses.items() if when == phase}

    def all_seen(self, phase: str) -> set[int]:
        return set().union(*self.seen(phase).values())
