"""`Patient/{id}/$everything`: the whole record of one patient as a FHIR searchset Bundle.

For the patient and the doctors who treat them (the same rule as every records read),
never for anyone else (404, like a missing patient). The read is recorded like any other
read of the record. Each kind is read in one query, at most MAX_PER_KIND records: a
record that large is refused with a clear 422 rather than cut without saying so.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bson import ObjectId

from domain.care.relationship import APPOINTMENTS, REFERRALS, require_patient_access
from domain.events import Actor, EventContext
from domain.fhir import resources
from domain.profiles.repository import DOCTOR_PROFILES, PATIENT_PROFILES, load_many
from domain.records.access_audit import record_patient_read
from domain.records.collections import (
    CONSULTATIONS,
    DOCUMENTS,
    NOTES,
    PRESCRIPTION_ADDENDA,
    PRESCRIPTIONS,
)
from domain.shared.clock import iso_z, utcnow
from domain.shared.errors import Forbidden, InvalidInput, NotFound
from domain.shared.ids import canonical_id

MAX_PER_KIND = 5000
# The kinds of records, and the query on top of `patient_id` that keeps what a reader
# of the record should see (documents: neither deleted nor refused by the scan).
_KINDS: dict[str, dict[str, Any]] = {
    APPOINTMENTS: {},
    CONSULTATIONS: {},
    NOTES: {},
    PRESCRIPTIONS: {},
    PRESCRIPTION_ADDENDA: {},
    DOCUMENTS: {"deleted": False, "status": "available"},
    REFERRALS: {},
}


async def _read(db: Any, collection: str, patient_id: str) -> list[dict[str, Any]]:
    query = {"patient_id": patient_id, **_KINDS[collection]}
    cursor = db[collection].find(query).sort([("created_at", 1), ("_id", 1)])
    docs = [doc async for doc in cursor.limit(MAX_PER_KIND + 1)]
    if len(docs) > MAX_PER_KIND:
        raise InvalidInput(
            f"the record holds more than {MAX_PER_KIND} {collection}; export it in parts "
            "from the other record routes",
            field="id",
        )
    return docs


def _by(docs: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        grouped.setdefault(str(doc.get(key)), []).append(doc)
    return grouped


def _doctor_ids(records: dict[str, list[dict[str, Any]]]) -> list[str]:
    ids = {str(d["doctor_id"]) for kind in (APPOINTMENTS, CONSULTATIONS, PRESCRIPTIONS)
           for d in records[kind] if d.get("doctor_id")}  # fmt: skip
    for referral in records[REFERRALS]:
        ids.update(str(referral[k]) for k in ("from_doctor_id", "to_doctor_id") if referral.get(k))
    ids.update(
        str(d["uploaded_by"]) for d in records[DOCUMENTS] if d.get("uploader_role") == "doctor"
    )
    ids.update(str(a["author_id"]) for a in records[PRESCRIPTION_ADDENDA] if a.get("author_id"))
    return sorted(i for i in ids if ObjectId.is_valid(i))


async def _people(
    db: Any, patient_id: str, doctor_ids: list[str]
) -> tuple[dict[str, Any] | None, dict[str, Any], list[tuple[dict[str, Any], dict[str, Any]]]]:
    object_ids = [ObjectId(i) for i in [patient_id, *doctor_ids]]
    users_cursor = db.users.find({"_id": {"$in": object_ids}})
    users, patient_profiles, doctor_profiles = await asyncio.gather(
        users_cursor.to_list(None),
        load_many(db, PATIENT_PROFILES, [patient_id]),
        load_many(db, DOCTOR_PROFILES, doctor_ids),
    )
    by_id = {str(u["_id"]): u for u in users}
    doctors = [
        (by_id[i], doctor_profiles.get(i, {}))
        for i in doctor_ids
        if i in by_id and by_id[i].get("role") == "doctor"
    ]
    return by_id.get(patient_id), patient_profiles.get(patient_id, {}), doctors


async def patient_everything(
    db: Any,
    caller: Actor,
    patient_id: str,
    *,
    base_url: str,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """The Bundle; `base_url` is the API's (for `fullUrl` and the documents' links)."""
    if caller.role not in ("patient", "doctor"):
        raise Forbidden("only the patient and the doctors who treat them read the whole record")
    patient_id = canonical_id(patient_id, "patient")
    await require_patient_access(db, caller, patient_id, what="patient")
    kinds = list(_KINDS)
    records = dict(zip(kinds, await asyncio.gather(*(_read(db, k, patient_id) for k in kinds)),
                       strict=True))  # fmt: skip
    user, profile, doctors = await _people(db, patient_id, _doctor_ids(records))
    if user is None or user.get("role") != "patient":
        raise NotFound("patient not found")

    notes = _by(records[NOTES], "consultation_id")
    addenda = _by(records[PRESCRIPTION_ADDENDA], "prescription_id")
    found: list[dict[str, Any]] = [resources.patient(user, profile)]
    found += [resources.practitioner(u, p) for u, p in doctors]
    found += [resources.appointment(d) for d in records[APPOINTMENTS]]
    found += [resources.encounter(d, notes.get(str(d["_id"]), [])) for d in records[CONSULTATIONS]]
    for doc in records[PRESCRIPTIONS]:
        found += resources.medication_requests(doc, addenda.get(str(doc["_id"]), []))
    found += [
        resources.document_reference(d, f"{base_url}/documents/{d['_id']}/download")
        for d in records[DOCUMENTS]
    ]
    found += [resources.service_request(d) for d in records[REFERRALS]]

    await record_patient_read(db, caller, patient_id, "fhir_everything", context)
    modes = ["match" if r["resourceType"] == "Patient" else "include" for r in found]
    entries = [
        {
            "fullUrl": f"{base_url}/fhir/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": mode},
        }
        for r, mode in zip(found, modes, strict=True)
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "timestamp": iso_z(utcnow()),
        # FHIR counts the matches only, not the resources included with them.
        "total": modes.count("match"),
        "entry": entries,
    }
