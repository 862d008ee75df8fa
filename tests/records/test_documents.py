"""Documents: upload checks, the scan, signed downloads, soft delete."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from bson import ObjectId

from config.settings import Settings
from domain.records.document_purge import SWEEP_AFTER, documents_to_purge, purge_document_bytes
from domain.records.document_storage import DocumentStorage
from domain.records.documents import MAX_DOCUMENT_BYTES, scan_document
from domain.records.scanning import EICAR, scan_engine
from infra.s3 import create_s3_client
from tests.events.support import eventually
from tests.records.support import JPEG, PDF, PNG, Cast, upload_form

URL = "/api/v1/documents"


@pytest.fixture
def storage(settings: Settings) -> DocumentStorage:
    return DocumentStorage(create_s3_client(settings.s3), settings.s3.bucket)


@pytest.fixture
def scanned(mongo: Any, cast: Cast, storage: DocumentStorage) -> Any:
    """Runs the scan job's domain function in the test, as the worker would."""

    async def scan(document_id: str) -> str | None:
        return await scan_document(mongo, cast.db, storage, document_id, scan_engine())

    return scan


async def upload(client: Any, cast: Cast, person: Any = None, **form: Any) -> Any:
    person = person or cast.patient
    return await client.post(URL, **upload_form(cast.patient.id, **form), headers=person.headers)


async def test_an_upload_is_stored_under_a_key_without_personal_data(
    client: Any, cast: Cast, storage: DocumentStorage
) -> None:
    response = await upload(client, cast, title="Amira's MRI", filename="amira-mri.pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending_scan"
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF)
    assert body["uploaded_by"] == cast.patient.id
    stored = await cast.db.documents.find_one({})
    key = stored["storage_key"]
    assert cast.patient.id not in key and "amira" not in key.lower() and "mri" not in key.lower()
    assert await storage.read(key) == PDF
    assert await cast.db.outbox.count_documents({"event.type": "document.uploaded"}) == 1


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status"),
    [
        (b"just some text, not a pdf", "notes.pdf", "application/pdf", 415),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "scan.pdf", "application/pdf", 415),
        (b"GIF89a" + b"\x00" * 20, "photo.png", "image/png", 415),
        (b"", "empty.pdf", "application/pdf", 422),
    ],
    ids=["wrong-magic", "renamed-executable", "gif-as-png", "empty"],
)
async def test_refused_uploads_leave_nothing_behind(
    client: Any, cast: Cast, data: bytes, filename: str, content_type: str, status: int
) -> None:
    response = await upload(client, cast, data=data, filename=filename, content_type=content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await cast.db.documents.count_documents({}) == 0


async def test_a_file_over_20_mb_is_413(client: Any, cast: Cast) -> None:
    just_over = PDF + b"0" * (MAX_DOCUMENT_BYTES + 1 - len(PDF))
    assert (await upload(client, cast, data=just_over)).status_code == 413
    far_over = PDF + b"0" * (MAX_DOCUMENT_BYTES + 2 * 1024 * 1024)
    assert (await upload(client, cast, data=far_over)).status_code == 413
    assert await cast.db.documents.count_documents({}) == 0


async def test_images_are_accepted_by_their_bytes(client: Any, cast: Cast) -> None:
    png = await upload(client, cast, data=PNG, filename="x.bin", content_type="application/x")
    jpeg = await upload(client, cast, data=JPEG, filename="x", content_type="text/plain")
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    assert jpeg.status_code == 201 and jpeg.json()["content_type"] == "image/jpeg"


async def test_a_doctor_uploads_for_a_patient_in_care_only(client: Any, cast: Cast) -> None:
    ok = await upload(client, cast, person=cast.doctor)
    assert ok.status_code == 201
    assert (await upload(client, cast, person=cast.stranger)).status_code == 404
    other = await client.post(
        URL, **upload_form(cast.other_patient.id), headers=cast.patient.headers
    )
    assert other.status_code == 404


async def test_download_waits_for_the_scan_then_gives_a_short_lived_attachment_url(
    client: Any, cast: Cast, scanned: Any, settings: Settings
) -> None:
    document = (await upload(client, cast)).json()
    url = f"{URL}/{document['id']}"
    assert (await client.get(f"{url}/download", headers=cast.patient.headers)).status_code == 409

    assert await scanned(document["id"]) == "available"
    assert await scanned(document["id"]) is None  # a second run does nothing
    assert (await client.get(url, headers=cast.doctor.headers)).json()["status"] == "available"

    settings.s3.url_ttl_seconds = 2
    link = await client.get(f"{url}/download", headers=cast.doctor.headers)
    assert link.status_code == 200, link.text
    signed = httpx.URL(link.json()["url"])
    stored = await cast.db.documents.find_one({})
    assert signed.path.endswith("/" + stored["storage_key"])
    assert signed.params["X-Amz-Signature"] and signed.params["X-Amz-Credential"]
    assert signed.params["response-content-disposition"].startswith("attachment;")
    assert signed.params["response-content-type"] == "application/pdf"
    async with httpx.AsyncClient() as http:
        fetched = await http.get(signed)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["content-disposition"].startswith("attachment")
    # The embedded S3 server (moto) does not enforce expiry; S3 and MinIO do, from these two
    # signed parameters. They must say exactly what the response promised.
    assert signed.params["X-Amz-Expires"] == "2"
    signed_at = datetime.strptime(signed.params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires_at = datetime.fromisoformat(link.json()["expires_at"].replace("Z", "+00:00"))
    assert abs((expires_at - signed_at).total_seconds() - 2) <= 1


async def test_the_default_url_lives_at_most_15_minutes(
    client: Any, cast: Cast, scanned: Any
) -> None:
    document = (await upload(client, cast)).json()
    await scanned(document["id"])
    before = datetime.now(UTC)
    link = (
        await client.get(f"{URL}/{document['id']}/download", headers=cast.patient.headers)
    ).json()
    expires = httpx.URL(link["url"]).params["X-Amz-Expires"]
    assert int(expires) <= 900
    expires_at = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
    assert (expires_at - before).total_seconds() <= 900 + 1


async def test_the_eicar_file_is_rejected_by_the_scan(
    client: Any, cast: Cast, scanned: Any
) -> None:
    infected = PDF + b"\n" + EICAR + b"\n"
    document = (await upload(client, cast, data=infected)).json()
    assert await scanned(document["id"]) == "rejected"
    read = (await client.get(f"{URL}/{document['id']}", headers=cast.patient.headers)).json()
    assert read["status"] == "rejected"
    download = await client.get(f"{URL}/{document['id']}/download", headers=cast.patient.headers)
    assert download.status_code == 409


async def test_only_the_uploader_deletes_and_then_it_is_gone(client: Any, cast: Cast) -> None:
    document = (await upload(client, cast, person=cast.doctor)).json()
    url = f"{URL}/{document['id']}"
    assert (await client.delete(url, headers=cast.patient.headers)).status_code == 403
    assert (await client.delete(url, headers=cast.stranger.headers)).status_code == 404
    assert (await client.delete(url, headers=cast.doctor.headers)).status_code == 204
    for person in (cast.doctor, cast.patient):
        assert (await client.get(url, headers=person.headers)).status_code == 404
    listed = await client.get(
        URL, params={"patient_id": cast.patient.id}, headers=cast.patient.headers
    )
    assert listed.json()["total"] == 0
    assert await cast.db.documents.count_documents({}) == 1  # soft: metadata is kept
    assert await cast.db.outbox.count_documents({"event.type": "document.deleted"}) == 1


async def test_a_deleted_documents_bytes_are_purged_once_and_its_record_kept(
    client: Any, cast: Cast, storage: DocumentStorage, scanned: Any, settings: Settings
) -> None:
    """The purge job's domain function, as the worker runs it."""
    document = (await upload(client, cast)).json()
    key = (await cast.db.documents.find_one({}))["storage_key"]
    # A live document is never purged, whoever asks.
    assert await purge_document_bytes(cast.db, storage, document["id"]) is False
    assert await storage.read(key) == PDF
    deleted = await client.delete(f"{URL}/{document['id']}", headers=cast.patient.headers)
    assert deleted.status_code == 204
    # S3 failing: the job raises (so Dramatiq retries it) and marks nothing.
    broken = DocumentStorage(create_s3_client(settings.s3), "no-such-bucket")
    with pytest.raises(ClientError):
        await purge_document_bytes(cast.db, broken, document["id"])
    assert not (await cast.db.documents.find_one({})).get("bytes_purged")
    assert await purge_document_bytes(cast.db, storage, document["id"]) is True
    with pytest.raises(ClientError):  # NoSuchKey
        await storage.read(key)
    assert await purge_document_bytes(cast.db, storage, document["id"]) is False  # again
    row = await cast.db.documents.find_one({})
    assert row["deleted"] and row["bytes_purged"] and row["storage_key"] == key
    # A scan job still queued for it finds nothing to do rather than failing on the bytes.
    assert await scanned(document["id"]) is None


@pytest.mark.e2e
async def test_a_signed_url_stops_working_once_the_document_is_deleted(
    client: Any, cast: Cast, platform: Any
) -> None:
    platform.start("worker")
    document = (await upload(client, cast)).json()
    url = f"{URL}/{document['id']}"

    async def available() -> bool:
        read = await client.get(url, headers=cast.patient.headers)
        return bool(read.json()["status"] == "available")

    await eventually(available, 30)
    link = (await client.get(f"{url}/download", headers=cast.doctor.headers)).json()["url"]
    async with httpx.AsyncClient() as s3:
        assert (await s3.get(link)).content == PDF
        assert (await client.delete(url, headers=cast.patient.headers)).status_code == 204

        async def refused() -> bool:
            return (await s3.get(link)).status_code in (403, 404)

        # The worker's purge job removes the bytes behind the URL handed out before.
        await eventually(refused, 30)

    async def purged() -> bool:
        row = await cast.db.documents.find_one({})
        return bool(row["deleted"] and row.get("bytes_purged"))  # the record itself stays

    await eventually(purged, 10)


async def test_the_sweep_finds_deleted_documents_whose_bytes_are_still_stored(
    client: Any, cast: Cast, storage: DocumentStorage
) -> None:
    ids = {}
    for name in ("live", "recent", "old", "purged"):
        ids[name] = (await upload(client, cast, title=name)).json()["id"]
    for name in ("recent", "old", "purged"):
        url = f"{URL}/{ids[name]}"
        assert (await client.delete(url, headers=cast.patient.headers)).status_code == 204
    assert await purge_document_bytes(cast.db, storage, ids["purged"]) is True
    now = datetime.now(UTC)
    # Deleted a moment ago: left to the job its deletion sent.
    assert await documents_to_purge(cast.db, now) == []
    # Later, the two not purged are the sweep's, never the live one or the purged one.
    later = now + SWEEP_AFTER + timedelta(seconds=1)
    assert sorted(await documents_to_purge(cast.db, later)) == sorted([ids["recent"], ids["old"]])
    assert await documents_to_purge(cast.db, later, limit=1) in ([ids["recent"]], [ids["old"]])


@pytest.mark.e2e
async def test_a_document_whose_purge_job_was_lost_is_purged_by_the_sweep(
    client: Any, cast: Cast, storage: DocumentStorage, platform: Any, settings: Settings
) -> None:
    """The web process died between the deletion and sending its job: the scheduler's
    sweep sends it."""
    import dramatiq

    from actors.broker import configure_broker
    from actors.dispatch import BrokerJobQueue
    from scheduler.jobs import JOBS

    document = (await upload(client, cast)).json()
    key = (await cast.db.documents.find_one({}))["storage_key"]
    url = f"{URL}/{document['id']}"
    assert (await client.delete(url, headers=cast.patient.headers)).status_code == 204
    configure_broker(settings)
    import actors.registry  # noqa: F401

    dramatiq.get_broker().flush("records")  # the purge (and scan) jobs never sent
    long_ago = datetime.now(UTC) - SWEEP_AFTER - timedelta(minutes=1)
    await cast.db.documents.update_one(
        {"_id": ObjectId(document["id"])}, {"$set": {"deleted_at": long_ago}}
    )
    assert await storage.read(key) == PDF  # nothing purged it

    sweep = next(spec for spec in JOBS if spec.id == "records.document_purge_sweep")
    sweep.run(BrokerJobQueue())
    platform.start("worker")

    async def purged() -> bool:
        row = await cast.db.documents.find_one({})
        return bool(row.get("bytes_purged"))

    await eventually(purged, 30)
    with pytest.raises(ClientError):  # NoSuchKey
        await storage.read(key)


@pytest.mark.e2e
async def test_the_worker_scans_uploads(client: Any, cast: Cast, platform: Any) -> None:
    platform.start("worker")
    clean = (await upload(client, cast)).json()
    infected = (await upload(client, cast, data=PDF + EICAR)).json()
    statuses: dict[str, str] = {}
    for _ in range(300):
        for doc in (clean, infected):
            read = await client.get(f"{URL}/{doc['id']}", headers=cast.patient.headers)
            statuses[doc["id"]] = read.json()["status"]
        if "pending_scan" not in statuses.values():
            break
        await asyncio.sleep(0.2)
    assert statuses == {clean["id"]: "available", infected["id"]: "rejected"}, platform.log()


async def test_storage_trouble_is_a_503_and_leaves_no_record(
    client: Any, cast: Cast, settings: Settings
) -> None:
    settings.s3.bucket = "no-such-bucket"
    response = await upload(client, cast)
    assert response.status_code == 503, response.text
    assert await cast.db.documents.count_documents({}) == 0
    assert await cast.db.outbox.count_documents({"event.type": "document.uploaded"}) == 0
