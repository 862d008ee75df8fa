"""Response shapes of /api/v1/referrals, for the OpenAPI document."""

from __future__ import annotations

from typing import TypedDict


class ReferralOut(TypedDict):
    id: str
    patient_id: str
    from_doctor_id: str
    to_doctor_id: str
    reason: str
    urgency: str
    status: str
    consultation_id: str | None
    notes: str | None
    decline_reason: str | None
    appointment_id: str | None
    created_at: str
    updated_at: str
    accepted_at: str | None
    declined_at: str | None
    booked_at: str | None


class ReferralPage(TypedDict):
    items: list[ReferralOut]
    total: int
    page: int
    page_size: int
