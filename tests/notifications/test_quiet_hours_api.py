"""Quiet hours in the notification preferences: set, kept, removed, and refused when they
make no sense (with the field named), never half-saved."""

from tests.support.people import make_person

PREFERENCES = "/api/v1/notifications/preferences"
NIGHTS = {"start": "22:00", "end": "07:00", "timezone": "Europe/Paris"}


async def test_quiet_hours_are_set_kept_and_removed(client, db, settings) -> None:
    me = await make_person(db, settings, "doctor")
    other = await make_person(db, settings, "patient")

    set_ = await client.put(PREFERENCES, headers=me.headers, json={"quiet_hours": NIGHTS})
    assert set_.status_code == 200
    assert set_.json()["quiet_hours"] == NIGHTS
    assert (await client.get(PREFERENCES, headers=me.headers)).json()["quiet_hours"] == NIGHTS
    assert (await client.get(PREFERENCES, headers=other.headers)).json()["quiet_hours"] is None

    # PUT changes only what it names: switching a category keeps the window, and the other
    # way round.
    switched = await client.put(
        PREFERENCES, headers=me.headers, json={"email": {"appointments": False}}
    )
    assert switched.json()["quiet_hours"] == NIGHTS
    moved = {"start": "23:30", "end": "06:15", "timezone": "America/New_York"}
    changed = await client.put(PREFERENCES, headers=me.headers, json={"quiet_hours": moved})
    assert changed.json()["quiet_hours"] == moved
    assert changed.json()["email"]["appointments"] is False

    removed = await client.put(PREFERENCES, headers=me.headers, json={"quiet_hours": None})
    assert removed.status_code == 200 and removed.json()["quiet_hours"] is None
    again = (await client.get(PREFERENCES, headers=me.headers)).json()
    assert again["quiet_hours"] is None and again["email"]["appointments"] is False


async def test_windows_that_make_no_sense_are_refused_and_nothing_changes(
    client, db, settings
) -> None:
    me = await make_person(db, settings, "patient")
    await client.put(PREFERENCES, headers=me.headers, json={"quiet_hours": NIGHTS})
    before = (await client.get(PREFERENCES, headers=me.headers)).json()

    for window, field in (
        ({**NIGHTS, "end": "22:00"}, "quiet_hours.end"),  # start == end: an empty window
        ({**NIGHTS, "start": "24:00"}, "quiet_hours.start"),
        ({**NIGHTS, "start": "9:30"}, "quiet_hours.start"),
        ({**NIGHTS, "end": "07:00:00"}, "quiet_hours.end"),
        ({**NIGHTS, "end": "noon"}, "quiet_hours.end"),
        ({**NIGHTS, "timezone": "Europe/Atlantis"}, "quiet_hours.timezone"),
        ({**NIGHTS, "timezone": "/etc/localtime"}, "quiet_hours.timezone"),
        ({"start": "22:00", "end": "07:00"}, "quiet_hours.timezone"),  # no zone
        ({"start": "22:00", "timezone": "Europe/Paris"}, "quiet_hours.end"),
        ({**NIGHTS, "start": 2200}, "quiet_hours.start"),
        ({**NIGHTS, "days": [1, 2]}, "quiet_hours.days"),  # nothing undeclared either
    ):
        # A valid switch next to the bad window must not be saved either.
        body = {"email": {"documents": False}, "quiet_hours": window}
        response = await client.put(PREFERENCES, headers=me.headers, json=body)
        assert response.status_code == 422, window
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in problem["errors"]] == [field], (window, problem)
        assert all(e["message"] for e in problem["errors"])

    refused = await client.put(
        PREFERENCES, headers=me.headers, json={"quiet_hours": {**NIGHTS, "end": "22:00"}}
    )
    assert "differ from start" in refused.json()["errors"][0]["message"]
    assert (await client.get(PREFERENCES, headers=me.headers)).json() == before
