from datetime import UTC, date, datetime, timedelta

import pytest

from config.settings import Settings
from infra.mongo import create_mongo_client

WEEKDAYS_9_TO_12 = {
    "timezone": "Africa/Tunis",
    "slot_minutes": 30,
    "weekly": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)],
}


@pytest.fixture
async def db(settings: Settings):  # type: ignore[no-untyped-def]
    client = create_mongo_client(settings.mongo)
    yield client[settings.mongo.db]
    client.close()


def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday())
