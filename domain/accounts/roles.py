"""The roles a user holds. Admins are never self-registered: only `esante create-admin`."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"


SELF_REGISTRATION_ROLES = frozenset({Role.PATIENT, Role.DOCTOR})
