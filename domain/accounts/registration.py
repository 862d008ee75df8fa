"""Sign-up: the account is written with its event; the verification email follows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.accounts.atomic import atomically
from domain.accounts.emails import normalize_email
from domain.accounts.env import AccountsEnv
from domain.accounts.events import user_event
from domain.accounts.models import User
from domain.accounts.passwords import check_policy, hash_password
from domain.accounts.repository import insert_user
from domain.accounts.roles import SELF_REGISTRATION_ROLES, Role
from domain.events import EventContext, EventType, publish
from domain.profiles import fields
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.jobs import JobQueue
from domain.shared.matching import composed
from domain.shared.text import refuse_line_breaks
from domain.specialties import is_known_specialty

SEND_VERIFICATION = "auth.send_verification_email"


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    role: str
    first_name: str
    last_name: str
    phone: str | None = None
    specialty: str | None = None
    license_number: str | None = None


def _checked(form: Registration) -> Registration:
    """The form as it will be stored, or the first field that is refused: names and the
    license are one line without control characters, and a phone is checked as a profile's."""
    if form.role not in SELF_REGISTRATION_ROLES:
        raise InvalidInput("Role must be patient or doctor", field="role")
    for field in ("first_name", "last_name"):
        if not getattr(form, field).strip():
            raise InvalidInput("must not be blank", field=field)
        refuse_line_breaks(getattr(form, field), field)
    phone = fields.phone(form.phone.strip() or None, "phone") if form.phone else None
    check_policy(form.password)
    license_number = None
    if form.role == Role.DOCTOR:
        if not form.specialty:
            raise InvalidInput("Doctors must give their specialty", field="specialty")
        if not is_known_specialty(form.specialty):
            raise InvalidInput(
                "Unknown specialty; GET /api/v1/specialties lists the codes", field="specialty"
            )
        if not form.license_number or not form.license_number.strip():
            raise InvalidInput("Doctors must give their license number", field="license_number")
        license_number = refuse_line_breaks(form.license_number, "license_number").strip()
    return replace(
        form,
        # One Unicode form, whichever a client sends: names read back and compare alike.
        first_name=composed(form.first_name.strip()),
        last_name=composed(form.last_name.strip()),
        phone=phone,
        specialty=form.specialty if form.role == Role.DOCTOR else None,
        license_number=license_number,
    )


async def register(
    env: AccountsEnv, form: Registration, jobs: JobQueue, context: EventContext | None = None
) -> User:
    form = _checked(form)
    user = User(
        id=str(ObjectId()),
        email=normalize_email(form.email),
        role=Role(form.role),
        first_name=form.first_name,
        last_name=form.last_name,
        password_hash=await hash_password(form.password, env.settings.bcrypt_rounds),
        email_verified=False,
        active=True,
        created_at=datetime.now(UTC),
        phone=form.phone,
        specialty=form.specialty,
        license_number=form.license_number,
    )
    event = user_event(
        EventType.USER_REGISTERED,
        user.id,
        user.role.value,
        context,
        role=user.role.value,
        specialty=user.specialty,
    )

    async def write(session: Any) -> None:
        await insert_user(env.db, user, session=session)
        await publish(env.db, event, session=session)

    try:
        await atomically(env.client, write)
    except DuplicateKeyError:
        raise Conflict("An account with this email already exists", field="email") from None
    jobs.enqueue(SEND_VERIFICATION, user_id=user.id)
    return user
