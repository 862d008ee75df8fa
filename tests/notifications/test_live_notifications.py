"""An in-app notification reaches its user's open sockets as soon as the streams process
stores it, as `notification:new`, and nobody else's."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from config.settings import Settings
from tests.appointments.conftest import book_next_monday_at_nine
from tests.support.people import make_person


@pytest.mark.e2e
async def test_the_doctor_sees_a_booking_request_arrive_live(
    platform: Any, settings: Settings, db: Any, listeners: Any
) -> None:
    doctor = await make_person(db, settings, "doctor", "Rym", "Ayari")
    patient = await make_person(db, settings, "patient", "Ali", "Ben Ali")
    platform.start("streams")
    one, two = platform.start_several("web", 2)
    # On two processes: the streams process reaches either through Redis.
    doctor_socket = await listeners().connect(two.url, doctor.token)
    patient_socket = await listeners().connect(one.url, patient.token)

    async with httpx.AsyncClient(base_url=one.url, timeout=30) as client:
        booked = await book_next_monday_at_nine(client, doctor, patient)
        assert booked.status_code == 201
        live = await doctor_socket.next("notification:new", timeout=90)
        listed = await client.get("/api/v1/notifications", headers=doctor.headers)

    assert live["title"] == "New appointment request"
    assert live["subject_id"] == booked.json()["id"] and live["read"] is False
    assert listed.json()["items"] == [live]  # the very item the list shows
    assert await patient_socket.nothing("notification:new")


async def test_with_redis_away_the_live_copy_is_given_up_quickly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.live_notifications import EMIT_TIMEOUT_SECONDS, LiveNotifications

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens there
    live = LiveNotifications(Settings())
    began = time.monotonic()
    await live.push("u1", {"id": "n1"})  # neither raises nor waits (the store has it)
    tried = time.monotonic() - began
    await live.push("u1", {"id": "n2"})  # not tried again at once
    assert tried < EMIT_TIMEOUT_SECONDS + 0.5
    assert time.monotonic() - began - tried < 0.05
