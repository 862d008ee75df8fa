"""The Redis channel the web processes share for Socket.IO carries JSON only: a pickle put
on it is never unpickled (python-socketio before 5.14 unpickled every message there,
CVE-2025-61765), and the process goes on serving what comes after it."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest
import redis

from config.settings import Settings
from infra.live_notifications import LiveNotifications

pytestmark = pytest.mark.e2e


class _MakesDirectory:
    """Unpickling this runs `os.mkdir(path)`: the proof that a payload ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.path),))


async def test_a_pickle_on_the_channel_is_never_run(
    platform: Any, people: Any, listeners: Any, settings: Settings, tmp_path: Path
) -> None:
    web = platform.start("web")
    doctor = people["doctor"]
    socket = await listeners().connect(web.url, doctor.token)
    proof = tmp_path / "the-payload-ran"

    receivers = redis.Redis.from_url(settings.redis.url).publish(
        settings.realtime.channel, pickle.dumps(_MakesDirectory(proof))
    )
    assert receivers >= 1  # the web process is listening on that channel
    # A real emit after it arrives: the process read past the payload and still serves.
    await LiveNotifications(settings).push(doctor.id, {"id": "after-the-payload"})

    assert (await socket.next("notification:new"))["id"] == "after-the-payload"
    assert not proof.exists()
