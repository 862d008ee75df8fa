"""Fixtures of the records tests: a doctor with a patient in care, and outsiders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from config.settings import Settings
from infra.mongo import create_mongo_client
from tests.records.support import Cast, book, make_person


@pytest.fixture
async def mongo(settings: Settings) -> AsyncIterator[Any]:
    """A client on the test's own event loop (the app serves from another one)."""
    client = create_mongo_client(settings.mongo)
    yield client
    client.close()


@pytest.fixture
def db(mongo: Any, settings: Settings) -> Any:
    return mongo[settings.mongo.db]


@pytest.fixture
async def cast(client: Any, db: Any, settings: Settings) -> Cast:
    doctor = await make_person(db, settings, "doctor", "Karim")
    patient = await make_person(db, settings, "patient", "Amira")
    stranger = await make_person(db, settings, "doctor", "Sami")
    other_patient = await make_person(db, settings, "patient", "Lina")
    appointment_id = await book(db, doctor, patient)
    return Cast(db, doctor, patient, stranger, other_patient, appointment_id)
