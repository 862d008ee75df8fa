from datetime import UTC, date, datetime, timedelta

import pytest

from config.settings import Settings
from domain.scheduling import service as scheduling
from tests.messaging.conftest import give_care
from tests.support.people import Person, make_person


def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday())


def slot(hhmm: str, day: date | None = None) -> str:
    return f"{(day or next_monday()).isoformat()}T{hhmm}:00Z"


@pytest.fixture
async def cast(db, settings: Settings) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    """A GP treating a patient, a cardiologist with Monday-morning slots, a bystander doctor,
    another patient."""
    people = {
        "gp": await make_person(db, settings, "doctor", "Sami"),
        "cardio": await make_person(db, settings, "doctor", "Leila", specialty="cardiology"),
        "other_doctor": await make_person(db, settings, "doctor", "Hedi"),
        "patient": await make_person(db, settings, "patient", "Nour"),
        "other_patient": await make_person(db, settings, "patient", "Yassine"),
    }
    await give_care(db, people["gp"].id, people["patient"].id)
    await scheduling.set_availability(
        db,
        people["cardio"].id,
        {
            "timezone": "UTC",
            "slot_minutes": 30,
            "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        },
    )
    return people
