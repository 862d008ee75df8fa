"""Reading and changing one's own profile; reading a patient's profile as their carer."""

from __future__ import annotations

from typing import Any

from domain.accounts.repository import get_patient, get_user, update_user
from domain.care.relationship import require_patient_access
from domain.events import Actor, EventContext
from domain.profiles import fields, repository
from domain.profiles.photos import PhotoStore, photo_url
from domain.records.access_audit import record_access
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.merge_patch import merge_patch
from domain.specialties import SPECIALTIES

PATIENT_FIELDS = (
    "date_of_birth",
    "gender",
    "phone",
    "address",
    "blood_type",
    "allergies",
    "chronic_conditions",
    "emergency_contact",
)
DOCTOR_FIELDS = (
    "specialty",
    "bio",
    "languages",
    "consultation_fee",
    "years_experience",
    "clinic",
)
# Objects a PATCH merges into what is stored (RFC 7396): sending a clinic's new name keeps
# its address, city and location. (An emergency contact is always sent whole: its name
# and phone are required.)
NESTED_FIELDS = ("clinic",)
_SPECIALTY_NAMES = {s.code: s.name for s in SPECIALTIES}


def _patient_changes(body: dict[str, Any]) -> dict[str, Any]:
    checks = {
        "date_of_birth": lambda v: fields.birth_date(v, "date_of_birth", utcnow().date()),
        "gender": lambda v: fields.choice(v, "gender", fields.GENDERS),
        "phone": lambda v: fields.phone(v, "phone"),
        "address": lambda v: fields.text(v, "address", max_len=300),
        "blood_type": lambda v: fields.choice(v, "blood_type", fields.BLOOD_TYPES),
        "allergies": lambda v: fields.text_list(v, "allergies"),
        "chronic_conditions": lambda v: fields.text_list(v, "chronic_conditions"),
        "emergency_contact": lambda v: fields.emergency_contact(v, "emergency_contact"),
    }
    return {name: check(body[name]) for name, check in checks.items() if name in body}


def _doctor_changes(body: dict[str, Any]) -> dict[str, Any]:
    checks = {
        "specialty": lambda v: fields.specialty(v, "specialty"),
        "bio": lambda v: fields.text(v, "bio", max_len=2000),
        "languages": lambda v: fields.text_list(v, "languages", max_items=20, max_len=40),
        "consultation_fee": lambda v: fields.number(v, "consultation_fee", low=0, high=1_000_000),
        "years_experience": lambda v: fields.number(
            v, "years_experience", low=0, high=80, whole=True
        ),
        "clinic": lambda v: fields.clinic(v, "clinic"),
    }
    changes = {name: check(body[name]) for name, check in checks.items() if name in body}
    if "clinic" in changes:
        clinic = changes["clinic"] or {}
        where = clinic.get("location") or {}
        # Flat copies the search can index and prefilter on.
        changes["lat"] = where.get("lat")
        changes["lng"] = where.get("lng")
        changes["city_key"] = repository.city_key(clinic.get("city"))
    return changes


async def update_profile(db: Any, user_id: str, role: str, body: dict[str, Any]) -> None:
    allowed = DOCTOR_FIELDS if role == "doctor" else PATIENT_FIELDS
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput(f"not a {role} profile field", field=unknown[0])
    nested = [name for name in NESTED_FIELDS if isinstance(body.get(name), dict)]
    if nested:  # merged into what is stored, not put in its place
        stored = await repository.load(db, role, user_id)
        body = {**body, **{name: merge_patch(stored.get(name), body[name]) for name in nested}}
    changes = _doctor_changes(body) if role == "doctor" else _patient_changes(body)
    specialty = changes.pop("specialty", None)
    if specialty:
        # The specialty is part of the account (given at registration); search reads it there.
        await update_user(db, user_id, {"specialty": specialty})
    if "phone" in changes:  # one phone per person: the account (GET /auth/me) shows it too
        await update_user(db, user_id, {"phone": changes["phone"]})
    if changes:
        changes["updated_at"] = utcnow()
        await repository.save(db, role, user_id, changes)


def doctor_fields(specialty: str | None, profile: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of a doctor besides the name (the public profile)."""
    return {
        "specialty": specialty,
        "specialty_name": _SPECIALTY_NAMES.get(specialty or ""),
        "bio": profile.get("bio"),
        "languages": profile.get("languages", []),
        "consultation_fee": profile.get("consultation_fee"),
        "years_experience": profile.get("years_experience"),
        "clinic": profile.get("clinic"),
    }


def _patient_view(user: Any, profile: dict[str, Any]) -> dict[str, Any]:
    view = {name: profile.get(name) for name in PATIENT_FIELDS}
    # The phone given at sign-up until the profile sets one (a null there clears it).
    view["phone"] = profile.get("phone", user.phone)
    view["allergies"] = view["allergies"] or []
    view["chronic_conditions"] = view["chronic_conditions"] or []
    return view


async def profile_view(db: Any, store: PhotoStore, user: Any) -> dict[str, Any]:
    role = user.role.value if hasattr(user.role, "value") else str(user.role)
    profile = await repository.load(db, role, user.id)
    body = (
        doctor_fields(user.specialty, profile) if role == "doctor" else _patient_view(user, profile)
    )
    return {
        "id": user.id,  # as on every other resource; `user_id` is kept for existing clients
        "user_id": user.id,
        "role": role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        **body,
        "photo_url": await photo_url(db, store, profile.get("photo_id")),
    }


async def my_profile(db: Any, store: PhotoStore, user_id: str) -> dict[str, Any]:
    user = await get_user(db, user_id)
    if user is None:
        raise NotFound("account not found")
    return await profile_view(db, store, user)


async def active_doctor(db: Any, doctor_id: str) -> Any:
    """The doctor's account, or NotFound for anything but a public doctor."""
    user = await get_user(db, doctor_id)
    if user is None or not user.is_public_doctor:
        raise NotFound("doctor not found")
    return user


async def public_doctor(db: Any, store: PhotoStore, doctor_id: str) -> dict[str, Any]:
    user = await active_doctor(db, doctor_id)
    profile = await repository.load(db, "doctor", doctor_id)
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        **doctor_fields(user.specialty, profile),
        "photo_url": await photo_url(db, store, profile.get("photo_id")),
    }


async def patient_for(
    db: Any,
    store: PhotoStore,
    caller: Actor,
    patient_id: str,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """The patient's profile for the patient, a doctor in their care, or an admin; anyone
    else (and any id that is not a patient) gets the same 404. Each read is recorded."""
    user = await get_patient(db, patient_id)
    if user is None:
        raise NotFound("patient not found")
    # The stored id, not the one typed: an upper-case spelling loads the same account but
    # would be audited under an id that patient's access log never matches.
    patient_id = user.id
    await require_patient_access(db, caller, patient_id, allow_admin=True, what="patient")
    view = await profile_view(db, store, user)
    await record_access(
        db,
        caller,
        subject_type="patient_profile",
        subject_id=patient_id,
        patient_id=patient_id,
        context=context,
        resource_type="patient_profile",
        resource_id=patient_id,
    )
    return view
