"""Messages keep the order they were sent in, whichever web process took them.

Two web processes make ObjectIds with different random middles, so ids made in the same
second do not sort by send time; the order comes from the conversation's own numbering.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from bson import ObjectId

from domain.events import Actor
from domain.messaging.messages import list_messages
from domain.messaging.numbering import number_old_messages

API = "/api/v1/conversations"


@pytest.mark.e2e
async def test_order_reads_and_last_message_across_two_web_processes(platform, people) -> None:  # type: ignore[no-untyped-def]
    webs = platform.start_several("web", 2)
    doctor, patient = people["doctor"], people["patient"]
    async with httpx.AsyncClient(timeout=10) as http:
        opened = await http.post(
            f"{webs[0].url}{API}", json={"participant_id": doctor.id}, headers=patient.headers
        )
        conversation = f"{API}/{opened.json()['id']}"
        sent = []
        for i in range(12):  # alternately through each process, well within a few seconds
            response = await http.post(
                f"{webs[i % 2].url}{conversation}/messages",
                json={"text": f"m{i}"},
                headers=patient.headers,
            )
            assert response.status_code == 201, response.text
            sent.append(response.json()["id"])
        newest_first = list(reversed(sent))

        url = f"{webs[1].url}{conversation}/messages"
        listed, before = [], None
        while True:  # in pages of five, by the `before` cursor
            params = {"limit": 5, **({"before": before} if before else {})}
            page = (await http.get(url, params=params, headers=doctor.headers)).json()
            listed += [m["id"] for m in page["items"]]
            before = page["next_before"]
            if before is None:
                break
        assert listed == newest_first

        [mine] = (await http.get(f"{webs[0].url}{API}", headers=doctor.headers)).json()["items"]
        assert mine["last_message"]["text"] == "m11" and mine["unread_count"] == 12

        async def read(web, message_id: str) -> dict:  # type: ignore[no-untyped-def]
            body = {"message_id": message_id}
            url = f"{web.url}{conversation}/read"
            return (await http.post(url, json=body, headers=doctor.headers)).json()

        assert (await read(webs[1], sent[5]))["unread_count"] == 6
        latest = await read(webs[0], sent[-1])
        assert latest["unread_count"] == 0 and latest["message_id"] == sent[-1]
        back = await read(webs[1], sent[6])  # a marker never moves back
        assert back["message_id"] == sent[-1] and back["unread_count"] == 0


async def test_messages_stored_before_numbering_are_numbered_at_start(client, people, db) -> None:  # type: ignore[no-untyped-def]
    """Messages and read markers as the previous release stored them (no `seq`, markers by
    id only, ids out of send order) are numbered by send time; new messages follow them."""
    doctor, patient = people["doctor"], people["patient"]
    opened = (
        await client.post(API, json={"participant_id": doctor.id}, headers=patient.headers)
    ).json()
    conversation_id = opened["id"]
    # The database as the previous release left it (this app's start found it numbered).
    await db.migrations.delete_many({})
    await db.conversations.update_one(
        {"_id": ObjectId(conversation_id)}, {"$unset": {"seq": "", "read_seq": ""}}
    )
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    # Ids made by two processes: the later messages got the smaller ids.
    ids = [ObjectId(f"67c2cd40{'ff' if i < 2 else '00'}{i:014x}") for i in range(4)]
    for i, oid in enumerate(ids):
        await db.messages.insert_one(
            {
                "_id": oid,
                "conversation_id": conversation_id,
                "sender_id": patient.id,
                "text": f"old {i}",
                "created_at": start + timedelta(milliseconds=100 * i),
            }
        )
    await db.conversations.update_one(
        {"_id": ObjectId(conversation_id)}, {"$set": {f"read_up_to.{doctor.id}": str(ids[1])}}
    )

    await number_old_messages(db)
    await number_old_messages(db)  # recorded as done: nothing more happens

    url = f"{API}/{conversation_id}/messages"
    new = (await client.post(url, json={"text": "new"}, headers=patient.headers)).json()
    actor = Actor(id=doctor.id, role="doctor")
    docs, _ = await list_messages(db, actor, conversation_id, None, 10)
    assert [d["text"] for d in docs] == ["new", "old 3", "old 2", "old 1", "old 0"]
    older, _ = await list_messages(db, actor, conversation_id, str(ids[2]), 10)
    assert [d["text"] for d in older] == ["old 1", "old 0"]
    # The doctor had read up to "old 1": a read of "old 0" does not move the marker back.
    read = await client.post(
        f"{API}/{conversation_id}/read", json={"message_id": str(ids[0])}, headers=doctor.headers
    )
    assert read.json()["message_id"] == str(ids[1]) and read.json()["unread_count"] == 3
    read = await client.post(
        f"{API}/{conversation_id}/read", json={"message_id": new["id"]}, headers=doctor.headers
    )
    assert read.json()["unread_count"] == 0
