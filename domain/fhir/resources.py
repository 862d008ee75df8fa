"""From the platform's documents to FHIR R4 resources: pure functions, one per kind.

Only what the record holds is mapped; free text stays free text (`text` of a
CodeableConcept, or the resource's narrative) rather than being guessed into codes the
platform never asked for. References are relative (`Patient/<id>`), resolved inside the
bundle they travel in.
"""

from __future__ import annotations

import html
from typing import Any

from domain.shared.clock import iso_z
from domain.shared.text import CONTROL_CHARACTERS

# Appointment statuses (requested, confirmed, ...) in FHIR's Appointment.status terms.
_APPOINTMENT_STATUS = {
    "requested": "proposed",
    "confirmed": "booked",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "rejected": "cancelled",
}
# How the doctor stands towards the appointment (Appointment.participant.status).
_DOCTOR_ANSWER = {"requested": "needs-action", "rejected": "declined"}
_REFERRAL_STATUS = {
    "pending": "active",
    "accepted": "active",
    "booked": "completed",
    "declined": "revoked",
}
_REFERRAL_PRIORITY = {"routine": "routine", "urgent": "urgent", "emergency": "stat"}
_GENDER = {"female": "female", "male": "male", "other": "other", "undisclosed": "unknown"}
_AMBULATORY = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "AMB",
    "display": "ambulatory",
}


def ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _consultation_of(doc: dict[str, Any]) -> dict[str, str] | None:
    return ref("Encounter", doc["consultation_id"]) if doc.get("consultation_id") else None


def _text(value: Any) -> dict[str, str]:
    return {"text": str(value)}


def _xhtml_text(value: Any) -> str:
    # Escaped, and without the control characters XML cannot carry even escaped: the
    # fields refuse them, but a record written before they did may hold some.
    return html.escape(CONTROL_CHARACTERS.sub("", str(value)))


def _narrative(lines: list[tuple[str, Any]]) -> dict[str, str]:
    """A generated narrative (escaped XHTML) of the labelled lines that have a value."""
    body = "".join(
        f"<p><b>{_xhtml_text(label)}</b>: {_xhtml_text(value)}</p>"
        for label, value in lines
        if value not in (None, "", [], {})
    )
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _name(user: dict[str, Any]) -> list[dict[str, Any]]:
    name: dict[str, Any] = {"use": "official"}
    if user.get("last_name"):
        name["family"] = user["last_name"]
    if user.get("first_name"):
        name["given"] = [user["first_name"]]
    return [name] if len(name) > 1 else []


def _without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    # FHIR forbids empty elements ("" , [] or {}): drop what the record does not hold.
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def patient(user: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    telecom = [{"system": "email", "value": user["email"]}] if user.get("email") else []
    phone = profile.get("phone") or user.get("phone")
    if phone:
        telecom.append({"system": "phone", "value": phone})
    contact = profile.get("emergency_contact") or {}
    contacts = []
    if contact.get("name"):
        entry: dict[str, Any] = {"name": _text(contact["name"])}
        if contact.get("phone"):
            entry["telecom"] = [{"system": "phone", "value": contact["phone"]}]
        if contact.get("relationship"):
            entry["relationship"] = [_text(contact["relationship"])]
        contacts.append(entry)
    return _without_empty(
        {
            "resourceType": "Patient",
            "id": str(user["_id"]),
            "active": bool(user.get("active", True)),
            "name": _name(user),
            "telecom": telecom,
            "gender": _GENDER.get(profile.get("gender") or ""),
            "birthDate": profile.get("date_of_birth"),
            "address": [_text(profile["address"])] if profile.get("address") else [],
            "contact": contacts,
            "text": _narrative(
                [
                    ("Blood type", profile.get("blood_type")),
                    ("Allergies", ", ".join(profile.get("allergies") or [])),
                    ("Chronic conditions", ", ".join(profile.get("chronic_conditions") or [])),
                ]
            ),
        }
    )


def practitioner(user: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    specialty = profile.get("specialty") or user.get("specialty")
    return _without_empty(
        {
            "resourceType": "Practitioner",
            "id": str(user["_id"]),
            "active": bool(user.get("active", True)),
            "name": _name(user),
            "qualification": [{"code": _text(specialty)}] if specialty else [],
        }
    )


def appointment(doc: dict[str, Any]) -> dict[str, Any]:
    status = str(doc["status"])
    return _without_empty(
        {
            "resourceType": "Appointment",
            "id": str(doc["_id"]),
            "status": _APPOINTMENT_STATUS.get(status, "proposed"),
            "description": doc.get("reason"),
            "start": iso_z(doc["start"]),
            "end": iso_z(doc["end"]),
            "created": iso_z(doc["created_at"]),
            "cancelationReason": _text(doc["cancel_reason"])
            if status == "cancelled" and doc.get("cancel_reason")
            else (
                _text(doc["rejection_reason"])
                if status == "rejected" and doc.get("rejection_reason")
                else None
            ),
            "participant": [
                {"actor": ref("Patient", doc["patient_id"]), "status": "accepted"},
                {
                    "actor": ref("Practitioner", doc["doctor_id"]),
                    "status": _DOCTOR_ANSWER.get(status, "accepted"),
                },
            ],
        }
    )


def encounter(doc: dict[str, Any], notes: list[dict[str, Any]]) -> dict[str, Any]:
    """A consultation; its complaint, diagnosis, vitals and notes in the narrative."""
    vitals = doc.get("vitals") or {}
    lines: list[tuple[str, Any]] = [
        ("Chief complaint", doc.get("chief_complaint")),
        ("Diagnosis", doc.get("diagnosis")),
        ("Vitals", ", ".join(f"{k} {v}" for k, v in sorted(vitals.items()))),
    ]
    lines += [(f"Note {iso_z(n['created_at'])}", n.get("text")) for n in notes]
    return _without_empty(
        {
            "resourceType": "Encounter",
            "id": str(doc["_id"]),
            "status": "finished",
            "class": _AMBULATORY,
            "subject": ref("Patient", doc["patient_id"]),
            "participant": [{"individual": ref("Practitioner", doc["doctor_id"])}],
            "appointment": [ref("Appointment", doc["appointment_id"])]
            if doc.get("appointment_id")
            else [],
            "period": {"start": iso_z(doc["created_at"])},
            "reasonCode": [_text(doc["chief_complaint"])] if doc.get("chief_complaint") else [],
            "text": _narrative(lines),
        }
    )


def medication_requests(doc: dict[str, Any], addenda: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One MedicationRequest per medication of a prescription, grouped by its id. The
    prescription's notes and addenda go to each one's `note`."""
    prescription_id = str(doc["_id"])
    notes = [{"text": doc["notes"]}] if doc.get("notes") else []
    notes += [
        {
            "authorReference": ref("Practitioner", a["author_id"]),
            "time": iso_z(a["created_at"]),
            "text": a["text"],
        }
        for a in addenda
    ]
    requests = []
    for index, medication in enumerate(doc.get("medications") or [], start=1):
        dosage = ", ".join(
            str(medication[k]) for k in ("dosage", "frequency", "duration") if medication.get(k)
        )
        if medication.get("instructions"):
            dosage = f"{dosage}. {medication['instructions']}"
        requests.append(
            _without_empty(
                {
                    "resourceType": "MedicationRequest",
                    "id": f"{prescription_id}-{index}",
                    "status": "active",
                    "intent": "order",
                    "groupIdentifier": {"value": prescription_id},
                    "medicationCodeableConcept": _text(medication.get("name", "")),
                    "subject": ref("Patient", doc["patient_id"]),
                    "encounter": _consultation_of(doc),
                    "authoredOn": iso_z(doc["created_at"]),
                    "requester": ref("Practitioner", doc["doctor_id"]),
                    "dosageInstruction": [{"text": dosage}] if dosage else [],
                    "note": notes,
                }
            )
        )
    return requests


def document_reference(doc: dict[str, Any], download_url: str) -> dict[str, Any]:
    author = "Practitioner" if doc.get("uploader_role") == "doctor" else "Patient"
    encounter = _consultation_of(doc)
    return _without_empty(
        {
            "resourceType": "DocumentReference",
            "id": str(doc["_id"]),
            "status": "current",
            "subject": ref("Patient", doc["patient_id"]),
            "date": iso_z(doc["created_at"]),
            "description": doc.get("title"),
            "category": [_text(doc["category"])] if doc.get("category") else [],
            "author": [ref(author, doc["uploaded_by"])],
            "content": [
                {
                    "attachment": _without_empty(
                        {
                            "contentType": doc.get("content_type"),
                            "title": doc.get("title"),
                            "size": doc.get("size"),
                            # Not the file: where a signed, short-lived link to it is asked for.
                            "url": download_url,
                        }
                    )
                }
            ],
            "context": {"encounter": [encounter]} if encounter else None,
        }
    )


def service_request(doc: dict[str, Any]) -> dict[str, Any]:
    return _without_empty(
        {
            "resourceType": "ServiceRequest",
            "id": str(doc["_id"]),
            "status": _REFERRAL_STATUS.get(str(doc.get("status")), "active"),
            "intent": "order",
            "priority": _REFERRAL_PRIORITY.get(str(doc.get("urgency")), "routine"),
            "code": _text("Referral"),
            "subject": ref("Patient", doc["patient_id"]),
            "encounter": _consultation_of(doc),
            "authoredOn": iso_z(doc["created_at"]),
            "requester": ref("Practitioner", doc["from_doctor_id"]),
            "performer": [ref("Practitioner", doc["to_doctor_id"])],
            "reasonCode": [_text(doc["reason"])] if doc.get("reason") else [],
            "note": [{"text": doc["notes"]}] if doc.get("notes") else [],
        }
    )
