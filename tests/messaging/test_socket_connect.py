"""A socket whose connect fails partway is refused and leaves nothing behind: not counted
online (which would stop pushes to its user), not kept alive by its process."""

from __future__ import annotations

from typing import Any

import pytest
from socketio.exceptions import ConnectionRefusedError as Refused

import api.realtime.gateway as gateway_module
from api.realtime import create_realtime
from config.settings import Settings
from domain.messaging.presence import is_online
from infra.resources import Resources
from tests.support.people import make_person


@pytest.fixture
async def gateway(settings: Settings) -> Any:
    """The Socket.IO handlers of a web process, with its clients opened on this loop."""
    resources = Resources.open(settings)
    realtime = create_realtime(settings, lambda: resources)
    yield realtime.sio.handlers["/"]["connect"].__self__
    await resources.close()


async def test_a_connect_failing_after_presence_is_refused_and_leaves_no_ghost(
    gateway, db, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    doctor = await make_person(db, settings, "doctor")

    async def store_hiccup(*args: Any, **kwargs: Any) -> list[str]:
        raise TimeoutError("the store did not answer")  # e.g. MONGODB_TIMEOUT_MS passed

    # Fails after the socket counted itself online, while reading its conversations.
    monkeypatch.setattr(gateway_module, "conversation_ids_of", store_hiccup)
    sid = await gateway.sio.manager.pre_connect("eio-1", "/")  # as the server does first
    with pytest.raises(Exception) as failed:  # which one: asserted below
        await gateway.connect(sid, {}, {"token": doctor.token})
    assert sid not in gateway.callers and sid not in gateway.tokens
    assert not await is_online(gateway.resources.redis, doctor.id)
    # A refusal is answered (a connect error); anything else leaves the client waiting.
    assert isinstance(failed.value, Refused)
