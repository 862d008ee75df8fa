"""Response shapes of /api/v1/appointments (and of a referral's booking), for the OpenAPI
document. Timestamps are ISO 8601 UTC strings ending in `Z`, as the domain view renders
them."""

from __future__ import annotations

from pydantic import Field

from api.controllers.response_base import ViewOut


class HistoryEntryOut(ViewOut):
    status: str
    at: str


class AppointmentOut(ViewOut):
    id: str
    patient_id: str
    doctor_id: str
    patient_name: str | None
    doctor_name: str | None
    start: str
    end: str
    timezone: str | None = Field(description="the doctor's IANA time zone")
    status: str = Field(description="requested | confirmed | rejected | cancelled | completed")
    reason: str | None
    mode: str = Field(description="in_person | video")
    created_at: str
    updated_at: str
    history: list[HistoryEntryOut] = Field(description="each status reached, oldest first")
    rejection_reason: str | None = Field(None, description="only once rejected with a reason")
    cancel_reason: str | None = Field(None, description="only once cancelled with a reason")
    cancelled_by: str | None = Field(None, description="only once cancelled: patient | doctor")
    cancellation_notice_hours: int | None = Field(
        None, description="only when the doctor asked for notice when it was booked"
    )
    patient_cancellable_until: str | None = Field(
        None, description="only with a notice: the last instant the patient may cancel"
    )
    referral_id: str | None = Field(
        None, description="only for an appointment booked from a referral"
    )


class ReferredAppointmentOut(AppointmentOut):
    referral_id: str
