"""The notifications API: my inbox, read markers, preferences and push devices."""

import time
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from tests.support.people import make_person

BASE = "/api/v1/notifications"


async def _notify(db, user_id: str, title: str, minutes_ago: int = 0, read: bool = False) -> str:  # type: ignore[no-untyped-def]
    doc_id = str(ObjectId())
    await db.notifications.insert_one(
        {
            "_id": doc_id,
            "dedupe_key": doc_id,
            "user_id": user_id,
            "category": "appointments",
            "title": title,
            "body": "You have an appointment update.",
            "link": "http://app/x",
            "read": read,
            "created_at": datetime.now(UTC) - timedelta(minutes=minutes_ago),
            "event_type": "appointment.confirmed",
            "email_status": "skipped",
            "push_status": "skipped",
        }
    )
    return doc_id


async def test_inbox_lists_mine_newest_first_with_unread_filter(client, db, settings) -> None:
    me = await make_person(db, settings, "patient")
    other = await make_person(db, settings, "patient")
    await _notify(db, me.id, "old", minutes_ago=30, read=True)
    await _notify(db, me.id, "new", minutes_ago=1)
    await _notify(db, other.id, "not mine")

    page = (await client.get(BASE, headers=me.headers)).json()
    assert [n["title"] for n in page["items"]] == ["new", "old"]
    assert (page["total"], page["unread"], page["page"]) == (2, 1, 1)
    assert page["items"][0]["created_at"].endswith("Z")
    unread = (await client.get(f"{BASE}?unread=true", headers=me.headers)).json()
    assert [n["title"] for n in unread["items"]] == ["new"]


async def test_read_one_and_read_all(client, db, settings) -> None:
    me = await make_person(db, settings, "doctor")
    other = await make_person(db, settings, "patient")
    first = await _notify(db, me.id, "a")
    await _notify(db, me.id, "b")
    theirs = await _notify(db, other.id, "c")

    read = await client.post(f"{BASE}/{first}/read", headers=me.headers)
    assert read.status_code == 200 and read.json()["read"] is True
    assert (await client.get(BASE, headers=me.headers)).json()["unread"] == 1
    # Someone else's notification looks missing, and stays unread.
    assert (await client.post(f"{BASE}/{theirs}/read", headers=me.headers)).status_code == 404
    assert (await client.post(f"{BASE}/nope/read", headers=me.headers)).status_code == 404
    assert (await db.notifications.find_one({"_id": theirs}))["read"] is False

    marked = await client.post(f"{BASE}/read-all", headers=me.headers)
    assert marked.json() == {"marked": 1}
    assert (await client.get(BASE, headers=me.headers)).json()["unread"] == 0
    assert (await client.get(BASE, headers=other.headers)).json()["unread"] == 1


async def test_preferences_default_change_and_validate(client, db, settings) -> None:
    me = await make_person(db, settings, "patient")
    defaults = (await client.get(f"{BASE}/preferences", headers=me.headers)).json()
    assert set(defaults) == {"email", "push", "quiet_hours"}
    assert defaults["quiet_hours"] is None
    assert set(defaults["email"]) == {
        "appointments",
        "prescriptions",
        "messages",
        "referrals",
        "documents",
        "security",
    }
    assert defaults["push"]["messages"] is True

    changed = await client.put(
        f"{BASE}/preferences",
        headers=me.headers,
        json={"email": {"appointments": False}, "push": {"messages": False}},
    )
    assert changed.status_code == 200
    body = changed.json()
    assert body["email"]["appointments"] is False and body["push"]["messages"] is False
    assert body["email"]["prescriptions"] == defaults["email"]["prescriptions"]
    again = (await client.get(f"{BASE}/preferences", headers=me.headers)).json()
    assert again == body

    for bad in (
        {"email": {"gossip": True}},
        {"sms": {"appointments": True}},
        {"email": {"appointments": "maybe"}},
    ):
        response = await client.put(f"{BASE}/preferences", headers=me.headers, json=bad)
        assert response.status_code == 422, bad
    assert (await client.get(f"{BASE}/preferences", headers=me.headers)).json() == body


async def test_devices_register_and_move_between_users(client, db, settings) -> None:
    me = await make_person(db, settings, "patient")
    other = await make_person(db, settings, "patient")
    body = {"subscription_id": "sub-0123456789", "platform": "android"}
    created = await client.post(f"{BASE}/devices", headers=me.headers, json=body)
    assert created.status_code == 201
    assert (await db.devices.find_one({"_id": "sub-0123456789"}))["user_id"] == me.id
    await client.post(f"{BASE}/devices", headers=other.headers, json=body)
    assert (await db.devices.find_one({"_id": "sub-0123456789"}))["user_id"] == other.id
    bad = await client.post(
        f"{BASE}/devices",
        headers=me.headers,
        json={"subscription_id": "x", "platform": "windows-phone"},
    )
    assert bad.status_code == 422


async def test_a_device_is_removed_by_its_owner_only(client, db, settings) -> None:
    """Signing out of a shared phone: the app removes the device, and only its owner can."""
    me = await make_person(db, settings, "patient")
    other = await make_person(db, settings, "doctor")
    mine, theirs = "sub-mine-0123456789", "sub-theirs-0123456789"
    for person, subscription in ((me, mine), (other, theirs)):
        body = {"subscription_id": subscription, "platform": "ios"}
        assert (await client.post(f"{BASE}/devices", headers=person.headers, json=body)).is_success

    # Someone else's device answers exactly like one that does not exist, and stays theirs.
    foreign = await client.delete(f"{BASE}/devices/{theirs}", headers=me.headers)
    unknown = await client.delete(f"{BASE}/devices/sub-nobody-0123456789", headers=me.headers)
    malformed = await client.delete(f"{BASE}/devices/not a subscription!", headers=me.headers)
    for answer in (foreign, unknown, malformed):
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    same = {k: v for k, v in foreign.json().items() if k != "instance"}
    assert same == {k: v for k, v in unknown.json().items() if k != "instance"}
    assert (await db.devices.find_one({"_id": theirs}))["user_id"] == other.id

    removed = await client.delete(f"{BASE}/devices/{mine}", headers=me.headers)
    assert removed.status_code == 204 and removed.content == b""
    assert await db.devices.find_one({"_id": mine}) is None
    again = await client.delete(f"{BASE}/devices/{mine}", headers=me.headers)
    assert again.status_code == 404

    # A device that moved to another account is no longer the first one's to remove.
    body = {"subscription_id": mine, "platform": "ios"}
    await client.post(f"{BASE}/devices", headers=me.headers, json=body)
    await client.post(f"{BASE}/devices", headers=other.headers, json=body)
    assert (await client.delete(f"{BASE}/devices/{mine}", headers=me.headers)).status_code == 404
    assert (await client.delete(f"{BASE}/devices/{mine}", headers=other.headers)).status_code == 204


async def test_anonymous_is_401(client) -> None:
    for method, path in (
        ("GET", BASE),
        ("POST", f"{BASE}/read-all"),
        ("GET", f"{BASE}/preferences"),
        ("POST", f"{BASE}/devices"),
        ("DELETE", f"{BASE}/devices/sub-0123456789"),
    ):
        assert (await client.request(method, path)).status_code == 401


async def test_a_confirmed_appointment_reaches_the_patients_inbox(
    client, db, settings, platform
) -> None:
    """End to end: confirm → outbox → Kafka → notifications processor → inbox via the API."""
    from domain.events import Actor, EventType, Subject, new_event, publish

    patient = await make_person(db, settings, "patient")
    doctor = await make_person(db, settings, "doctor")
    platform.start("streams")
    event = new_event(
        EventType.APPOINTMENT_CONFIRMED,
        actor=Actor(id=doctor.id, role="doctor"),
        subject=Subject(type="appointment", id=str(ObjectId())),
        patient_id=patient.id,
        data={"patient_id": patient.id, "doctor_id": doctor.id, "start": "2030-01-01T09:00:00Z"},
    )
    await publish(db, event)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page = (await client.get(BASE, headers=patient.headers)).json()
        if page["total"]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(platform.processes[0].log()[-3000:])
    item = page["items"][0]
    assert item["category"] == "appointments" and item["read"] is False
    assert "2030" not in item["body"]  # no appointment details beyond "an update"
    assert (await client.get(BASE, headers=doctor.headers)).json()["total"] == 0
