"""What a write answers is what a later read returns, to the digit: the store keeps
milliseconds, so the platform's clock gives no finer time than that."""

from __future__ import annotations

from typing import Any

from tests.appointments.conftest import book_next_monday_at_nine
from tests.records.support import Cast, create_consultation, create_prescription


def _times(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k.endswith(("_at", "_until")) and v is not None}


async def _read(client: Any, url: str, who: Any) -> dict[str, Any]:
    response = await client.get(url, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_timestamps_read_back_as_written(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    prescription = await create_prescription(client, cast, consultation["id"])
    booked = await book_next_monday_at_nine(client, cast.doctor, cast.patient)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    opened = await client.post(
        "/api/v1/conversations",
        json={"participant_id": cast.doctor.id},
        headers=cast.patient.headers,
    )
    conversation = opened.json()["id"]
    sent = await client.post(
        f"/api/v1/conversations/{conversation}/messages",
        json={"text": "Bonjour"},
        headers=cast.patient.headers,
    )
    assert sent.status_code == 201, sent.text
    [message] = (
        await _read(client, f"/api/v1/conversations/{conversation}/messages", cast.patient)
    )["items"]

    pairs = [
        (
            consultation,
            await _read(client, f"/api/v1/consultations/{consultation['id']}", cast.doctor),
        ),
        (
            prescription,
            await _read(client, f"/api/v1/prescriptions/{prescription['id']}", cast.doctor),
        ),
        (
            appointment,
            await _read(client, f"/api/v1/appointments/{appointment['id']}", cast.patient),
        ),
        (sent.json(), message),
    ]
    assert _times(prescription)["editable_until"]
    for written, read in pairs:
        assert _times(written), written
        assert {k: read.get(k) for k in _times(written)} == _times(written)
