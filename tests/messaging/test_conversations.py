"""Conversations over REST: participant rules, pagination, unread counts, read markers."""

from __future__ import annotations

import json

import pytest

API = "/api/v1/conversations"


async def open_with(client, who, other) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    response = await client.post(API, json={"participant_id": other.id}, headers=who.headers)
    return response.status_code, response.json()


async def test_open_is_201_then_200_from_either_side(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    status, first = await open_with(client, doctor, colleague)
    assert status == 201
    assert set(first["participant_ids"]) == {doctor.id, colleague.id}
    assert first["unread_count"] == 0 and first["last_message"] is None
    assert first["created_at"].endswith("Z")
    names = {p["id"]: p.get("first_name") for p in first["participants"]}
    assert names == {doctor.id: "Sami", colleague.id: "Leila"}
    status, again = await open_with(client, doctor, colleague)
    assert (status, again["id"]) == (200, first["id"])
    status, reverse = await open_with(client, colleague, doctor)
    assert (status, reverse["id"]) == (200, first["id"])


async def test_an_id_typed_in_upper_case_is_the_same_person(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    yourself = {"participant_id": doctor.id.upper()}
    refused = await client.post(API, json=yourself, headers=doctor.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "participant_id"
    opened_status, opened = await open_with(client, doctor, colleague)
    assert opened_status == 201
    shouted = {"participant_id": colleague.id.upper()}
    again = await client.post(API, json=shouted, headers=doctor.headers)
    assert (again.status_code, again.json()["id"]) == (200, opened["id"])
    assert set(again.json()["participant_ids"]) == {doctor.id, colleague.id}


async def test_participant_rules(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    patient, stranger, admin = people["patient"], people["stranger"], people["admin"]
    assert (await open_with(client, patient, stranger))[0] == 403
    assert (await open_with(client, patient, doctor))[0] == 201  # in care
    assert (await open_with(client, stranger, doctor))[0] == 403  # no care relationship
    assert (await open_with(client, colleague, patient))[0] == 404  # not their patient
    assert (await open_with(client, admin, doctor))[0] == 403
    assert (await open_with(client, doctor, admin))[0] == 403
    assert (await open_with(client, doctor, doctor))[0] in (400, 422)
    missing = await client.post(
        API, json={"participant_id": "64b000000000000000000000"}, headers=doctor.headers
    )
    assert missing.status_code == 404
    anonymous = await client.post(API, json={"participant_id": doctor.id})
    assert anonymous.status_code == 401


async def test_once_care_ends_the_conversation_takes_no_new_message(client, people, db) -> None:  # type: ignore[no-untyped-def]
    """The doctor rejects the patient's only request: the conversation stays readable, but
    neither side writes in it any more (both did before)."""
    doctor, patient = people["doctor"], people["patient"]
    _, conversation = await open_with(client, patient, doctor)
    url = f"{API}/{conversation['id']}/messages"
    sent = await client.post(url, json={"text": "Bonjour"}, headers=patient.headers)
    assert sent.status_code == 201, sent.text
    await db.appointments.update_many(
        {"doctor_id": doctor.id, "patient_id": patient.id}, {"$set": {"status": "rejected"}}
    )
    for who in (patient, doctor):
        refused = await client.post(url, json={"text": "still there?"}, headers=who.headers)
        assert refused.status_code == 403, refused.text
        assert "closed" in refused.json()["detail"]
        history = await client.get(url, headers=who.headers)
        assert [m["text"] for m in history.json()["items"]] == ["Bonjour"]
        # Asking for it again finds it (200), as the contract has for any existing one.
        again = await client.post(
            API,
            json={"participant_id": (doctor if who is patient else patient).id},
            headers=who.headers,
        )
        assert again.status_code == 200, again.text
        assert again.json()["id"] == conversation["id"]
    # Doctors between themselves need no care relationship.
    colleague = people["colleague"]
    _, between_doctors = await open_with(client, doctor, colleague)
    colleagues = await client.post(
        f"{API}/{between_doctors['id']}/messages", json={"text": "Avis ?"}, headers=doctor.headers
    )
    assert colleagues.status_code == 201, colleagues.text


async def test_messages_page_newest_first_by_cursor(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, patient = people["doctor"], people["patient"]
    _, conversation = await open_with(client, patient, doctor)
    url = f"{API}/{conversation['id']}/messages"
    sent = []
    for i in range(5):
        response = await client.post(url, json={"text": f" hello {i} "}, headers=patient.headers)
        assert response.status_code == 201, response.text
        sent.append(response.json())
    assert sent[0]["text"] == "hello 0" and sent[0]["sender_id"] == patient.id
    page = (await client.get(url, params={"limit": 2}, headers=doctor.headers)).json()
    assert [m["text"] for m in page["items"]] == ["hello 4", "hello 3"]
    page2 = (
        await client.get(
            url, params={"limit": 2, "before": page["next_before"]}, headers=doctor.headers
        )
    ).json()
    assert [m["text"] for m in page2["items"]] == ["hello 2", "hello 1"]
    last = (
        await client.get(
            url, params={"limit": 2, "before": page2["next_before"]}, headers=doctor.headers
        )
    ).json()
    assert [m["text"] for m in last["items"]] == ["hello 0"] and last["next_before"] is None
    bad = await client.get(url, params={"before": "nope"}, headers=doctor.headers)
    assert bad.status_code in (400, 422)


async def test_text_limits(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    _, conversation = await open_with(client, doctor, colleague)
    url = f"{API}/{conversation['id']}/messages"
    for text in ("", "   ", "x" * 4001):
        response = await client.post(url, json={"text": text}, headers=doctor.headers)
        assert response.status_code in (400, 422), text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.post(url, json={"text": "x" * 4000}, headers=doctor.headers)
    ).status_code == 201


@pytest.mark.parametrize(
    "text", ["a\x00b", "\x1b[31mred", "bell\x07", "ends with a unit separator\x1f", "a\x0bb"]
)
async def test_control_characters_are_refused(client, people, text: str) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    _, conversation = await open_with(client, doctor, colleague)
    url = f"{API}/{conversation['id']}/messages"
    response = await client.post(url, json={"text": text}, headers=doctor.headers)
    assert response.status_code == 422, repr(text)
    assert [e["field"] for e in response.json()["errors"]] == ["text"]


async def test_any_other_text_is_kept_as_sent(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague = people["doctor"], people["colleague"]
    _, conversation = await open_with(client, doctor, colleague)
    url = f"{API}/{conversation['id']}/messages"
    text = "Ligne 1\tà\r\nLigne 2 😷 — ❤️ مرحبا \u200d\x7f"
    sent = await client.post(url, json={"text": text}, headers=doctor.headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["text"] == text


async def test_someone_elses_conversation_is_404(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, patient, colleague = people["doctor"], people["patient"], people["colleague"]
    _, conversation = await open_with(client, patient, doctor)
    base = f"{API}/{conversation['id']}"
    h = colleague.headers
    assert (await client.get(base, headers=h)).status_code == 404
    assert (await client.get(f"{base}/messages", headers=h)).status_code == 404
    assert (
        await client.post(f"{base}/messages", json={"text": "hi"}, headers=h)
    ).status_code == 404
    assert (await client.get(f"{API}/nonsense/messages", headers=h)).status_code == 404


async def test_unread_counts_and_read_markers(client, people, db) -> None:  # type: ignore[no-untyped-def]
    doctor, patient = people["doctor"], people["patient"]
    _, conversation = await open_with(client, patient, doctor)
    url = f"{API}/{conversation['id']}/messages"
    ids = []
    for text in ("one", "two", "three"):
        ids.append(
            (await client.post(url, json={"text": text}, headers=patient.headers)).json()["id"]
        )
    await client.post(url, json={"text": "reply"}, headers=doctor.headers)

    async def mine(who):  # type: ignore[no-untyped-def]
        listing = (await client.get(API, headers=who.headers)).json()
        assert listing["total"] == 1 and listing["page"] == 1 and listing["page_size"] == 20
        return listing["items"][0]

    doctor_view = await mine(doctor)
    assert doctor_view["unread_count"] == 3
    assert doctor_view["last_message"]["text"] == "reply"
    assert {p["id"] for p in doctor_view["participants"]} == {doctor.id, patient.id}
    assert (await mine(patient))["unread_count"] == 1

    read = await client.post(
        f"{API}/{conversation['id']}/read", json={"message_id": ids[1]}, headers=doctor.headers
    )
    assert read.status_code == 200 and read.json()["unread_count"] == 1
    assert (await mine(doctor))["unread_count"] == 1
    # A marker never moves back.
    back = await client.post(
        f"{API}/{conversation['id']}/read", json={"message_id": ids[0]}, headers=doctor.headers
    )
    assert back.json()["message_id"] == ids[1] and back.json()["unread_count"] == 1
    await client.post(
        f"{API}/{conversation['id']}/read", json={"message_id": ids[2]}, headers=doctor.headers
    )
    assert (await mine(doctor))["unread_count"] == 0
    assert (await mine(patient))["unread_count"] == 1  # the reply is still unread for them
    unknown = await client.post(
        f"{API}/{conversation['id']}/read",
        json={"message_id": "64b000000000000000000000"},
        headers=doctor.headers,
    )
    assert unknown.status_code == 404


async def test_message_sent_event_carries_no_text(client, people, db) -> None:  # type: ignore[no-untyped-def]
    doctor, patient = people["doctor"], people["patient"]
    _, conversation = await open_with(client, patient, doctor)
    sent = await client.post(
        f"{API}/{conversation['id']}/messages",
        json={"text": "my secret symptom"},
        headers=patient.headers,
    )
    entry = await db.outbox.find_one({"event.type": "message.sent"})
    event = entry["event"]
    assert entry["topic"] == "messaging.events"
    assert event["subject"] == {"type": "message", "id": sent.json()["id"]}
    assert event["patient_id"] == patient.id
    assert event["data"]["conversation_id"] == conversation["id"]
    assert event["data"]["sender_id"] == patient.id
    assert event["data"]["recipient_ids"] == [doctor.id]
    assert "my secret symptom" not in json.dumps(event)


async def test_latest_activity_first(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague, patient = people["doctor"], people["colleague"], people["patient"]
    _, older = await open_with(client, doctor, colleague)
    _, newer = await open_with(client, doctor, patient)
    listing = (await client.get(API, headers=doctor.headers)).json()
    assert [c["id"] for c in listing["items"]] == [newer["id"], older["id"]]
    up = await client.post(
        f"{API}/{older['id']}/messages", json={"text": "up"}, headers=doctor.headers
    )
    assert up.status_code == 201, up.text
    listing = (await client.get(API, params={"page_size": 1}, headers=doctor.headers)).json()
    assert [c["id"] for c in listing["items"]] == [older["id"]] and listing["total"] == 2
    assert listing["items"][0]["updated_at"].endswith("Z")


async def test_both_sides_opening_at_once_share_one_conversation(client, people) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    doctor, colleague = people["doctor"], people["colleague"]
    results = await asyncio.gather(
        *(open_with(client, a, b) for a, b in [(doctor, colleague), (colleague, doctor)] * 3)
    )
    assert len({body["id"] for _, body in results}) == 1
    assert sorted(status for status, _ in results).count(201) == 1


async def test_a_message_touches_only_its_own_conversation(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, colleague, patient = people["doctor"], people["colleague"], people["patient"]
    _, first = await open_with(client, doctor, colleague)
    _, second = await open_with(client, doctor, patient)
    sent = await client.post(
        f"{API}/{second['id']}/messages", json={"text": "only here"}, headers=patient.headers
    )
    await client.post(
        f"{API}/{second['id']}/read", json={"message_id": sent.json()["id"]}, headers=doctor.headers
    )
    untouched = (await client.get(f"{API}/{first['id']}", headers=doctor.headers)).json()
    assert untouched["last_message"] is None and untouched["last_read_message_id"] is None
    touched = (await client.get(f"{API}/{second['id']}", headers=doctor.headers)).json()
    assert touched["last_message"]["text"] == "only here"


async def test_nobody_can_edit_or_delete_a_message(client, people) -> None:  # type: ignore[no-untyped-def]
    doctor, patient = people["doctor"], people["patient"]
    _, conversation = await open_with(client, patient, doctor)
    url = f"{API}/{conversation['id']}/messages"
    sent = (await client.post(url, json={"text": "as written"}, headers=patient.headers)).json()
    for who in (doctor, patient):
        for method in ("PUT", "PATCH", "DELETE"):
            for target in (f"{url}/{sent['id']}", url):
                response = await client.request(
                    method, target, json={"text": "rewritten"}, headers=who.headers
                )
                assert response.status_code in (404, 405), (method, target)
    page = (await client.get(url, headers=doctor.headers)).json()
    assert [m["text"] for m in page["items"]] == ["as written"]
