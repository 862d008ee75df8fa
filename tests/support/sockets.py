"""A Socket.IO client for tests: connects to a real web process and queues what it gets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import socketio

EVENTS = ("message:new", "typing", "message:read", "notification:new")


class Listener:
    """A Socket.IO client that queues every server event it receives, by name."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {name: asyncio.Queue() for name in EVENTS}
        for name in EVENTS:
            self.client.on(name, self.queues[name].put)

    async def connect(self, url: str, token: str) -> Listener:
        await self.client.connect(
            url, auth={"token": token}, socketio_path="socket.io", transports=["websocket"],
            wait_timeout=10,
        )  # fmt: skip
        return self

    async def next(self, event: str, timeout: float = 10) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def nothing(self, event: str, wait: float = 1.0) -> bool:
        await asyncio.sleep(wait)
        return self.queues[event].empty()

    async def call(self, event: str, data: dict[str, Any]) -> Any:
        return await self.client.call(event, data, timeout=10)


@pytest.fixture
async def listeners() -> AsyncIterator[Callable[[], Listener]]:
    opened: list[Listener] = []

    def make() -> Listener:
        opened.append(Listener())
        return opened[-1]

    yield make
    for listener in opened:
        if listener.client.connected:
            await listener.client.disconnect()
