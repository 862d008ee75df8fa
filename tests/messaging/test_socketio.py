"""Socket.IO against real web processes sharing a real Redis: two clients on two different
processes chat, type and read; bad tokens and outsiders are kept out."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio

pytestmark = pytest.mark.e2e


@pytest.fixture
async def webs(platform):  # type: ignore[no-untyped-def]
    return tuple(platform.start_several("web", 2))


async def open_conversation(url: str, who, other) -> str:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        response = await http.post(
            "/api/v1/conversations", json={"participant_id": other.id}, headers=who.headers
        )
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


async def test_two_processes_exchange_messages_typing_and_reads(webs, people, listeners) -> None:  # type: ignore[no-untyped-def]
    one, two = webs
    doctor, patient = people["doctor"], people["patient"]
    conversation_id = await open_conversation(one.url, patient, doctor)
    on_one = await listeners().connect(one.url, patient.token)
    on_two = await listeners().connect(two.url, doctor.token)

    ack = await on_one.call("message:send", {"conversation_id": conversation_id, "text": "Bonjour"})
    assert isinstance(ack.get("id"), str), ack
    received = await on_two.next("message:new")
    assert received["id"] == ack["id"]
    assert received["text"] == "Bonjour" and received["sender_id"] == patient.id
    assert received["conversation_id"] == conversation_id

    reply = await on_two.call("message:send", {"conversation_id": conversation_id, "text": "Oui ?"})
    assert (await on_one.next("message:new"))["id"] == reply["id"]

    await on_two.call("typing:start", {"conversation_id": conversation_id})
    typing = await on_one.next("typing")
    assert typing == {"conversation_id": conversation_id, "user_id": doctor.id, "typing": True}
    await on_two.call("typing:stop", {"conversation_id": conversation_id})
    assert (await on_one.next("typing"))["typing"] is False

    read = await on_two.call(
        "message:read", {"conversation_id": conversation_id, "message_id": ack["id"]}
    )
    assert read["unread_count"] == 0
    seen = await on_one.next("message:read")
    assert seen == {
        "conversation_id": conversation_id,
        "user_id": doctor.id,
        "message_id": ack["id"],
    }


async def test_message_sent_by_rest_arrives_over_socketio(webs, people, listeners) -> None:  # type: ignore[no-untyped-def]
    one, two = webs
    doctor, colleague = people["doctor"], people["colleague"]
    # Connected before the conversation exists: opening it puts their socket in its room.
    on_two = await listeners().connect(two.url, colleague.token)
    conversation_id = await open_conversation(one.url, doctor, colleague)
    async with httpx.AsyncClient(base_url=one.url, timeout=10) as http:
        sent = await http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": "Avis sur un patient ?"},
            headers=doctor.headers,
        )
    assert sent.status_code == 201
    received = await on_two.next("message:new")
    assert received["id"] == sent.json()["id"] and received["text"] == "Avis sur un patient ?"


async def test_bad_or_missing_token_is_refused_at_connect(webs, people) -> None:  # type: ignore[no-untyped-def]
    one, _ = webs
    for auth in ({"token": "not-a-jwt"}, {"token": people["doctor"].token + "x"}, {}, None):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                one.url, auth=auth, socketio_path="socket.io", transports=["websocket"],
                wait_timeout=10,
            )  # fmt: skip
        assert not client.connected


async def test_outsider_cannot_join_send_or_listen(webs, people, listeners) -> None:  # type: ignore[no-untyped-def]
    one, two = webs
    doctor, patient, colleague = people["doctor"], people["patient"], people["colleague"]
    conversation_id = await open_conversation(one.url, patient, doctor)
    participant = await listeners().connect(one.url, doctor.token)
    outsider = await listeners().connect(two.url, colleague.token)

    joined = await outsider.call("conversation:join", {"conversation_id": conversation_id})
    assert joined["error"]["status"] == 404
    sent = await outsider.call("message:send", {"conversation_id": conversation_id, "text": "psst"})
    assert sent["error"]["status"] == 404
    typed = await outsider.call("typing:start", {"conversation_id": conversation_id})
    assert typed["error"]["status"] == 404
    assert await participant.nothing("typing", 0.5)
    assert await participant.nothing("message:new", 0.5)

    ack = await participant.call(
        "message:send", {"conversation_id": conversation_id, "text": "private"}
    )
    assert "id" in ack
    assert await outsider.nothing("message:new")


async def test_presence_follows_connections(webs, people, listeners, settings) -> None:  # type: ignore[no-untyped-def]
    from redis.asyncio import Redis

    from domain.messaging.presence import is_online

    one, _ = webs
    doctor = people["doctor"]
    redis = Redis.from_url(settings.redis.url)
    try:
        assert not await is_online(redis, doctor.id)
        listener = await listeners().connect(one.url, doctor.token)
        assert await is_online(redis, doctor.id)
        await listener.client.disconnect()
        for _ in range(50):
            if not await is_online(redis, doctor.id):
                break
            await asyncio.sleep(0.1)
        assert not await is_online(redis, doctor.id)
    finally:
        await redis.aclose()


async def test_a_revoked_token_ends_the_socket(platform, people, listeners, settings) -> None:  # type: ignore[no-untyped-def]
    from redis.asyncio import Redis

    from domain.accounts.revocation import record_revocation

    web = platform.start("web", PRESENCE_TTL_SECONDS="5")  # sockets re-checked every ~2 s
    doctor = people["doctor"]
    listener = await listeners().connect(web.url, doctor.token)
    assert listener.client.connected
    redis = Redis.from_url(settings.redis.url)
    try:
        await record_revocation(redis, settings.auth, doctor.id, 1)  # e.g. a password reset
    finally:
        await redis.aclose()
    for _ in range(100):
        if not listener.client.connected:
            break
        await asyncio.sleep(0.1)
    assert not listener.client.connected
    refused = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await refused.connect(
            web.url, auth={"token": doctor.token}, socketio_path="socket.io",
            transports=["websocket"], wait_timeout=10,
        )  # fmt: skip


async def _disconnected(listener, within: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while listener.client.connected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return not listener.client.connected


async def test_a_deactivation_ends_the_user_s_sockets_at_once(platform, people, listeners) -> None:  # type: ignore[no-untyped-def]
    """Announced over Redis, not left to the periodic check (every 20 s by default): until
    then a deactivated doctor's socket still sent and received messages."""
    one, two = platform.start_several("web", 2)
    doctor, patient, admin = people["doctor"], people["patient"], people["admin"]
    conversation_id = await open_conversation(one.url, patient, doctor)
    doctors_socket = await listeners().connect(two.url, doctor.token)
    patients_socket = await listeners().connect(one.url, patient.token)
    async with httpx.AsyncClient(base_url=one.url, timeout=10) as http:
        response = await http.patch(
            f"/api/v1/admin/users/{doctor.id}", json={"active": False}, headers=admin.headers
        )
    assert response.status_code == 200, response.text
    assert await _disconnected(doctors_socket, within=5)
    sent = await patients_socket.call(
        "message:send", {"conversation_id": conversation_id, "text": "?"}
    )
    assert "id" in sent, sent
    assert await doctors_socket.nothing("message:new", 0.5)


async def test_an_event_on_a_revoked_token_is_refused_even_unannounced(
    platform, people, listeners, settings
) -> None:  # type: ignore[no-untyped-def]
    """The announcement is best effort: each event checks the token too."""
    from redis.asyncio import Redis

    from domain.accounts.revocation import marker_key

    web = platform.start("web")
    doctor, patient = people["doctor"], people["patient"]
    conversation_id = await open_conversation(web.url, patient, doctor)
    socket = await listeners().connect(web.url, patient.token)
    redis = Redis.from_url(settings.redis.url)
    try:  # what a revocation writes, without its announcement
        await redis.set(marker_key(patient.id), 1, ex=600)
    finally:
        await redis.aclose()
    refused = await socket.call("message:send", {"conversation_id": conversation_id, "text": "hi"})
    assert refused["error"]["status"] == 401, refused
    assert await _disconnected(socket, within=5)
    async with httpx.AsyncClient(base_url=web.url, timeout=10) as http:
        listed = await http.get(
            f"/api/v1/conversations/{conversation_id}/messages", headers=doctor.headers
        )
    assert listed.json()["items"] == []


async def test_a_message_with_control_characters_is_refused(platform, people, listeners) -> None:  # type: ignore[no-untyped-def]
    web = platform.start("web")
    doctor, patient = people["doctor"], people["patient"]
    conversation_id = await open_conversation(web.url, patient, doctor)
    sender = await listeners().connect(web.url, patient.token)
    receiver = await listeners().connect(web.url, doctor.token)
    event = {"conversation_id": conversation_id, "text": "a\x00b"}
    refused = await sender.call("message:send", event)
    assert refused["error"]["status"] == 422 and refused["error"]["field"] == "text", refused
    assert await receiver.nothing("message:new", 0.5)


async def test_a_socket_has_an_event_budget(platform, people, listeners) -> None:  # type: ignore[no-untyped-def]
    web = platform.start("web", SOCKET_EVENTS_PER_MINUTE="12")  # 2 per 10 s window
    doctor, patient = people["doctor"], people["patient"]
    conversation_id = await open_conversation(web.url, patient, doctor)
    listener = await listeners().connect(web.url, patient.token)
    event = {"conversation_id": conversation_id}
    assert (await listener.call("typing:start", event)) == {"ok": True}
    assert (await listener.call("typing:stop", event)) == {"ok": True}
    refused = await listener.call("message:send", {**event, "text": "one too many"})
    assert refused["error"]["status"] == 429


async def test_single_process_with_the_in_memory_manager(platform, people, listeners) -> None:  # type: ignore[no-untyped-def]
    web = platform.start("web", SOCKETIO_MANAGER="memory")
    doctor, colleague = people["doctor"], people["colleague"]
    listener = await listeners().connect(web.url, colleague.token)
    conversation_id = await open_conversation(web.url, doctor, colleague)
    async with httpx.AsyncClient(base_url=web.url, timeout=10) as http:
        sent = await http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": "same process"},
            headers=doctor.headers,
        )
    assert (await listener.next("message:new"))["id"] == sent.json()["id"]


async def test_an_event_without_a_payload_is_answered_422(platform, people, listeners) -> None:  # type: ignore[no-untyped-def]
    web = platform.start("web")
    listener = await listeners().connect(web.url, people["patient"].token)
    for event in ("message:send", "message:read", "typing:start", "typing:stop",
                  "conversation:join"):  # fmt: skip
        # No data at all (not even null): before, no acknowledgement ever came.
        answer = await listener.client.call(event, timeout=5)
        assert answer["error"]["status"] == 422, (event, answer)
        assert answer["error"]["field"] == "conversation_id", (event, answer)
    assert listener.client.connected


async def test_no_typing_where_the_care_has_ended(platform, people, listeners, db) -> None:  # type: ignore[no-untyped-def]
    web = platform.start("web")
    doctor, patient = people["doctor"], people["patient"]
    conversation_id = await open_conversation(web.url, patient, doctor)
    typist = await listeners().connect(web.url, patient.token)
    reader = await listeners().connect(web.url, doctor.token)
    event = {"conversation_id": conversation_id}
    assert (await typist.call("typing:start", event)) == {"ok": True}
    assert (await reader.next("typing"))["typing"] is True
    await db.appointments.update_many(
        {"doctor_id": doctor.id, "patient_id": patient.id}, {"$set": {"status": "rejected"}}
    )
    refused = await typist.call("typing:start", event)
    assert refused["error"]["status"] == 403, refused
    assert await reader.nothing("typing", 0.5)
