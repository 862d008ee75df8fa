"""`esante seed-demo` loads a usable demo and a second run changes no count."""

import subprocess
import sys

from pymongo import MongoClient

from config.settings import Settings

COLLECTIONS = ("users", "doctor_profiles", "availability", "appointments", "consultations",
               "prescriptions", "conversations", "messages")  # fmt: skip


def _counts(settings: Settings) -> dict[str, int]:
    with MongoClient(settings.mongo.url) as client:
        db = client[settings.mongo.db]
        names = set(db.list_collection_names())
        return {c: db[c].count_documents({}) for c in COLLECTIONS if c in names}


def _seed(platform) -> str:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", "seed-demo", "--doctors", "8", "--patients", "20"],
        env={**platform.env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def test_seed_twice_gives_the_same_counts_and_working_accounts(platform, settings) -> None:
    first_output = _seed(platform)
    first = _counts(settings)
    assert "admin@demo.esante.local" in first_output
    assert "demo-password-2026" in first_output
    with MongoClient(settings.mongo.url) as client:
        db = client[settings.mongo.db]
        assert db.users.count_documents({"role": "doctor"}) == 8
        assert db.users.count_documents({"role": "patient"}) == 20
        assert db.users.count_documents({"role": "admin"}) == 1
        assert db.appointments.count_documents({}) >= 8
        assert db.appointments.count_documents({"status": "confirmed"}) >= 8
        assert db.consultations.count_documents({}) >= 8
        assert db.messages.count_documents({}) >= 8 * 4
    second_output = _seed(platform)
    assert _counts(settings) == first
    assert "already seeded" in second_output

    web = platform.start("web")
    import httpx

    login = httpx.post(f"{web.url}/api/v1/auth/login", timeout=30,
                       json={"email": "patient000@demo.esante.local",
                             "password": "demo-password-2026"})  # fmt: skip
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    mine = httpx.get(f"{web.url}/api/v1/appointments", timeout=30,
                     headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert mine.status_code == 200 and mine.json()["total"] >= 1
    doctors = httpx.get(f"{web.url}/api/v1/doctors?city=Tunis", timeout=30).json()
    # Doctors 0 and 6 of 8 practise in Tunis.
    assert doctors["total"] == 2 and len(doctors["items"]) == 2
