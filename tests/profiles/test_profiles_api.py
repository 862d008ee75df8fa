"""Own profiles, validation, photos (type by content, size limit, thumbnail)."""

import asyncio
import io

from bson import ObjectId
from PIL import Image

from config.settings import Settings
from infra.s3 import create_s3_client
from tests.support.people import make_person


def image_bytes(fmt: str, size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


async def test_patient_profile_round_trip_and_validation(client, db, settings: Settings) -> None:
    patient = await make_person(db, settings, "patient", "Nour", "Jaziri", phone="+216 20 000 000")
    url = "/api/v1/users/me/profile"
    assert (await client.get(url)).status_code == 401
    empty = (await client.get(url, headers=patient.headers)).json()
    assert empty["role"] == "patient" and empty["phone"] == "+216 20 000 000"
    assert empty["id"] == empty["user_id"] == patient.id  # `id`, as every resource has
    assert empty["allergies"] == [] and empty["photo_url"] is None
    changes = {
        "date_of_birth": "1990-05-17",
        "gender": "female",
        "blood_type": "O-",
        "allergies": ["penicillin", "peanuts"],
        "chronic_conditions": ["asthma"],
        "address": "12 rue de Marseille, Tunis",
        "emergency_contact": {
            "name": "Sami",
            "phone": "+216 98 111 222",
            "relationship": "brother",
        },
    }
    saved = await client.patch(url, json=changes, headers=patient.headers)
    assert saved.status_code == 200, saved.text
    again = (await client.get(url, headers=patient.headers)).json()
    for key, value in changes.items():
        if key == "emergency_contact":
            assert again[key]["name"] == "Sami"
        else:
            assert again[key] == value

    for bad, field in (
        ({"blood_type": "Z+"}, "blood_type"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "17/05/1990"}, "date_of_birth"),
        ({"phone": "call me"}, "phone"),
        ({"bio": "doctors only"}, "bio"),
    ):
        refused = await client.patch(url, json=bad, headers=patient.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == field
    assert (await client.get(url, headers=patient.headers)).json()["blood_type"] == "O-"


async def test_the_phone_is_one_number_and_null_clears_it(client, db, settings: Settings) -> None:
    """The profile and the account show the same phone, and clearing it does not bring back
    the one given at sign-up."""
    patient = await make_person(db, settings, "patient", "Nour", "Jaziri", phone="+216 20 000 000")
    url = "/api/v1/users/me/profile"

    async def phones() -> tuple[str | None, str | None]:
        profile = (await client.get(url, headers=patient.headers)).json()
        account = (await client.get("/api/v1/auth/me", headers=patient.headers)).json()
        return profile["phone"], account["phone"]

    assert await phones() == ("+216 20 000 000", "+216 20 000 000")
    changed = await client.patch(url, json={"phone": "+216 71 000 001"}, headers=patient.headers)
    assert changed.status_code == 200, changed.text
    assert await phones() == ("+216 71 000 001", "+216 71 000 001")
    cleared = await client.patch(url, json={"phone": None}, headers=patient.headers)
    assert cleared.status_code == 200, cleared.text
    assert await phones() == (None, None)


async def test_doctor_profile_fields_and_ranges(client, db, settings: Settings) -> None:
    doctor = await make_person(db, settings, "doctor", "Hedi", "Mansour", specialty="neurology")
    url = "/api/v1/users/me/profile"
    body = {
        "specialty": "cardiology",
        "bio": "Heart doctor",
        "languages": ["fr", "ar"],
        "consultation_fee": 60,
        "years_experience": 12,
        "clinic": {
            "name": "C",
            "address": "1 av",
            "city": "Tunis",
            "location": {"lat": 36.8, "lng": 10.18},
        },
    }
    saved = await client.patch(url, json=body, headers=doctor.headers)
    assert saved.status_code == 200, saved.text
    view = saved.json()
    assert view["specialty"] == "cardiology" and view["clinic"]["location"] == {
        "lat": 36.8,
        "lng": 10.18,
    }
    for bad, field in (
        ({"clinic": {"city": "X", "location": {"lat": 91, "lng": 0}}}, "clinic.location.lat"),
        ({"clinic": {"city": "X", "location": {"lat": 0, "lng": -181}}}, "clinic.location.lng"),
        ({"specialty": "astrology"}, "specialty"),
        ({"years_experience": -1}, "years_experience"),
        ({"consultation_fee": -5}, "consultation_fee"),
        ({"blood_type": "A+"}, "blood_type"),
    ):
        refused = await client.patch(url, json=bad, headers=doctor.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == field


async def test_a_patch_of_the_clinic_keeps_the_fields_not_sent(
    client, db, settings: Settings
) -> None:
    doctor = await make_person(db, settings, "doctor", specialty="cardiology")
    url = "/api/v1/users/me/profile"
    clinic = {
        "name": "Clinique du Lac",
        "address": "1 avenue du Lac",
        "city": "Bizerte",
        "location": {"lat": 37.27, "lng": 9.87},
    }
    await client.patch(url, json={"clinic": clinic}, headers=doctor.headers)
    renamed = await client.patch(url, json={"clinic": {"name": "Renamed"}}, headers=doctor.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["clinic"] == {**clinic, "name": "Renamed"}
    # Still found by its city and near its location.
    for query in ("city=bizerte", "lat=37.27&lng=9.87&radius_km=5"):
        found = (await client.get(f"/api/v1/doctors?{query}")).json()["items"]
        assert [item["id"] for item in found] == [doctor.id], query
    # `null` removes one member; a null clinic removes it all.
    cleared = await client.patch(url, json={"clinic": {"address": None}}, headers=doctor.headers)
    assert cleared.json()["clinic"]["address"] is None
    assert cleared.json()["clinic"]["city"] == "Bizerte"
    gone = await client.patch(url, json={"clinic": None}, headers=doctor.headers)
    assert gone.json()["clinic"] is None


async def test_photo_upload_refusals_and_thumbnail(client, db, settings: Settings) -> None:
    person = await make_person(db, settings, "patient")
    url = "/api/v1/users/me/photo"

    def upload(data: bytes, name: str = "me.png", content_type: str = "image/png"):  # type: ignore[no-untyped-def]
        return client.put(url, files={"file": (name, data, content_type)}, headers=person.headers)

    # The declared type does not matter: the bytes decide.
    text = await upload(b"just some text, not an image", "me.png", "image/png")
    assert text.status_code == 415
    pdf = await upload(b"%PDF-1.7\n" + b"0" * 100, "me.jpg", "image/jpeg")
    assert pdf.status_code == 415
    too_big = await upload(b"\xff\xd8\xff\xe0" + b"0" * (5 * 1024 * 1024), "big.jpg", "image/jpeg")
    assert too_big.status_code == 413
    far_too_big = await upload(
        b"\xff\xd8\xff\xe0" + b"0" * (8 * 1024 * 1024), "big.jpg", "image/jpeg"
    )
    assert far_too_big.status_code == 413
    assert far_too_big.headers["content-type"] == "application/problem+json"

    ok = await upload(image_bytes("WEBP"), "photo.bin", "application/octet-stream")
    assert ok.status_code == 200, ok.text
    assert (
        "X-Amz-Signature=" in ok.json()["photo_url"] and "X-Amz-Expires=" in ok.json()["photo_url"]
    )
    photo = await db.photos.find_one({"user_id": person.id})
    assert photo["content_type"] == "image/webp"
    assert photo["key"].startswith(f"photos/{person.id}/") and "photo.bin" not in photo["key"]

    # The URL is signed and expiring; what it names is the stored image (read here with
    # the S3 client: fetching the signed URL would put its signature in the S3 access log).
    url = ok.json()["photo_url"]
    assert f"/{photo['key']}?" in url and "X-Amz-Expires=900" in url
    s3 = create_s3_client(settings.s3)
    stored = s3.get_object(Bucket=settings.s3.bucket, Key=photo["key"])
    assert stored["Body"].read()[:4] == b"RIFF" and stored["ContentType"] == "image/webp"

    from actors.profiles import process_photo

    await asyncio.to_thread(process_photo.fn, str(photo["_id"]))
    photo = await db.photos.find_one({"_id": ObjectId(photo["_id"])})
    assert photo["thumbnail_key"]
    profile = (await client.get("/api/v1/users/me/profile", headers=person.headers)).json()
    assert f"/{photo['thumbnail_key']}?" in profile["photo_url"]
    thumbnail = s3.get_object(Bucket=settings.s3.bucket, Key=photo["thumbnail_key"])["Body"].read()
    assert Image.open(io.BytesIO(thumbnail)).size == (256, 256)


async def test_a_photo_is_refused_unless_its_pixels_decode(client, db, settings: Settings) -> None:
    person = await make_person(db, settings, "doctor")

    def upload(data: bytes):  # type: ignore[no-untyped-def]
        files = {"file": ("me.jpg", data, "image/jpeg")}
        return client.put("/api/v1/users/me/photo", files=files, headers=person.headers)

    jpeg = image_bytes("JPEG", (200, 120))
    # Every header up to and including the start-of-scan segment; the pixels come after.
    scan = jpeg.index(b"\xff\xda")
    headers = jpeg[: scan + 2 + int.from_bytes(jpeg[scan + 2 : scan + 4], "big")]
    page = b"<html><script>alert(1)</script></html>" + bytes(range(256)) * 8
    for bad in (headers + page, jpeg[: len(jpeg) - 20]):
        refused = await upload(bad)
        assert refused.status_code == 415, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert await db.photos.count_documents({}) == 0

    for fmt in ("JPEG", "PNG", "WEBP"):
        assert (await upload(image_bytes(fmt))).status_code == 200, fmt


async def _queued(settings: Settings, actor_name: str) -> list[dict]:
    """The messages for `actor_name` waiting on the uploads queue (what a worker would run)."""
    import json

    import redis.asyncio as redis

    client = redis.Redis.from_url(settings.redis.url)
    try:
        key = f"{settings.worker.namespace}:uploads.msgs"
        bodies = [json.loads(body) for body in (await client.hgetall(key)).values()]
    finally:
        await client.aclose()
    return [body for body in bodies if body["actor_name"] == actor_name]


async def test_a_replaced_photo_is_removed_by_a_job(client, db, settings: Settings) -> None:
    import httpx

    from actors.profiles import process_photo, remove_photo

    person = await make_person(db, settings, "patient")

    async def upload(fmt: str) -> str:
        files = {"file": ("me", image_bytes(fmt), "application/octet-stream")}
        response = await client.put("/api/v1/users/me/photo", files=files, headers=person.headers)
        assert response.status_code == 200, response.text
        return response.json()["photo_url"]

    first_url = await upload("PNG")
    first = await db.photos.find_one({"user_id": person.id})
    await asyncio.to_thread(process_photo.fn, str(first["_id"]))
    first = await db.photos.find_one({"_id": first["_id"]})
    assert first["thumbnail_key"]
    async with httpx.AsyncClient() as http:
        assert (await http.get(first_url)).status_code == 200
    assert await _queued(settings, "profiles.remove_photo") == []

    await upload("JPEG")
    removals = await _queued(settings, "profiles.remove_photo")
    assert [m["kwargs"] for m in removals] == [{"photo_id": str(first["_id"])}]
    for message in removals:  # as the worker runs it; a second run finds nothing to do
        await asyncio.to_thread(remove_photo.fn, **message["kwargs"])
        await asyncio.to_thread(remove_photo.fn, **message["kwargs"])

    photos = [doc async for doc in db.photos.find({})]
    assert len(photos) == 1 and photos[0]["_id"] != first["_id"]
    s3 = create_s3_client(settings.s3)
    listed = s3.list_objects_v2(Bucket=settings.s3.bucket, Prefix=f"photos/{person.id}/")
    assert [o["Key"] for o in listed.get("Contents", [])] == [photos[0]["key"]]
    async with httpx.AsyncClient() as http:
        assert (await http.get(first_url)).status_code == 404
    profile = (await client.get("/api/v1/users/me/profile", headers=person.headers)).json()
    assert f"/{photos[0]['key']}?" in profile["photo_url"]
