"""A well-formed request for every route of the matrix, on a chosen object of the world.

Requests are valid apart from who sends them, so that a refusal can only come from access
control (an invalid body could be refused for other reasons first).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from tests.security.matrix import ROLE_OF, V1, Route, side_of
from tests.security.world import EVERY_DAY_9_TO_12, MISSING_ID, PASSWORD, PDF, Side, World

QUEUE = "events"


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Call:
    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    async def send(self, client: Any, headers: dict[str, str]) -> Any:
        return await client.request(self.method, self.url, headers=headers, **self.kwargs)


def object_side(world: World, actor: str, obj: str) -> Side | None:
    own = side_of(actor) or "a"
    if obj == "own":
        return world.a if own == "a" else world.b
    if obj == "foreign":
        return world.b if own == "a" else world.a
    return None


def object_id(route: Route, world: World, actor: str, side: Side | None) -> str:
    if side is None or route.obj is None:
        return MISSING_ID
    if route.obj == "patient":
        return side.patient.id
    if route.obj == "doctor":
        return side.doctor.id
    if route.obj == "counterpart":
        return side.patient.id if ROLE_OF[actor] == "doctor" else side.doctor.id
    if route.obj in ("notification", "device"):  # the caller's own, on their side
        who = "doctor" if ROLE_OF[actor] == "doctor" else "patient"
        return side.objects[f"{route.obj}_{who}"]
    return side.objects[route.obj]


async def free_slot(client: Any, doctor_id: str) -> str:
    """A slot nobody holds, found the way a client finds one."""
    start = datetime.now(UTC).date() + timedelta(days=2)
    for week in range(0, 20):
        first = start + timedelta(days=7 * week)
        response = await client.get(
            f"{V1}/doctors/{doctor_id}/slots",
            params={"from": first.isoformat(), "to": (first + timedelta(days=6)).isoformat()},
        )
        items = response.json()
        items = items.get("items", items) if isinstance(items, dict) else items
        if items:
            return str(items[-1]["start"])
    raise AssertionError(f"no free slot for {doctor_id}")


async def build_call(
    client: Any, route: Route, world: World, actor: str, obj: str
) -> tuple[Call, Side | None]:
    side = object_side(world, actor, obj) if route.obj else object_side(world, actor, "own")
    target = object_id(route, world, actor, side if obj != "missing" else None)
    # the side a request names besides its object (a message of the conversation...)
    ctx = side or world.a
    params = {
        "doctor_id": target if route.obj == "doctor" else world.specialist.id,
        "patient_id": target,
        "time_off_id": target,
        "appointment_id": target,
        "conversation_id": target,
        "referral_id": target,
        "consultation_id": target,
        "prescription_id": target,
        "document_id": target,
        "user_id": target,
        "name": QUEUE,
        "message_id": target,
        "notification_id": target,
        "subscription_id": target,
        "entry_id": target,
    }
    url = route.path.format(**params)
    m, p = route.method, route.path
    kw: dict[str, Any] = {}
    today = datetime.now(UTC).date()
    if p.endswith("/auth/register"):
        kw["json"] = {
            "email": f"new-{uuid.uuid4().hex[:10]}@example.test",
            "password": PASSWORD,
            "role": "patient",
            "first_name": "Nadia",
            "last_name": "New",
        }
    elif p.endswith(("/auth/verify-email",)):
        kw["json"] = {"token": "an-unknown-verification-token"}
    elif p.endswith(("/auth/resend-verification", "/auth/forgot-password")):
        kw["json"] = {"email": "nobody-at-all@example.test"}
    elif p.endswith("/auth/login"):
        kw["json"] = {"email": f"{world.specialist.id}@example.test", "password": PASSWORD}
    elif p.endswith(("/auth/refresh", "/auth/logout")):
        kw["json"] = {"refresh_token": "not-a-refresh-token"}
    elif p.endswith("/auth/reset-password"):
        kw["json"] = {"token": "an-unknown-reset-token", "new_password": "another password 1"}
    elif p.endswith("/auth/change-password"):
        # a wrong current password: the world's accounts keep theirs
        kw["json"] = {"current_password": "not the password", "new_password": "a new password 1"}
    elif p.endswith("/auth/mfa/enable"):
        kw["json"] = {"code": "123456"}  # nobody in the world has a pending setup confirmed
    elif p.endswith("/auth/mfa/disable"):
        kw["json"] = {"current_password": "not the password", "code": "123456"}
    elif p.endswith("/auth/mfa/verify"):
        kw["json"] = {"mfa_token": "not-an-mfa-token", "code": "123456"}
    elif p.endswith("/users/me/profile") and m == "PATCH":
        kw["json"] = (
            {"bio": "Cardiologist"} if ROLE_OF[actor] == "doctor" else {"phone": "+21620000000"}
        )
    elif p.endswith("/users/me/photo"):
        kw["files"] = {"file": ("me.png", io.BytesIO(png()), "image/png")}
    elif p.endswith("/slots"):
        kw["params"] = {
            "from": (today + timedelta(days=2)).isoformat(),
            "to": (today + timedelta(days=5)).isoformat(),
        }
    elif p.endswith("/doctors/me/availability") and m == "PUT":
        kw["json"] = EVERY_DAY_9_TO_12
    elif p.endswith("/doctors/me/time-off") and m == "POST":
        day = today + timedelta(days=60)
        kw["json"] = {"start": f"{day}T13:00:00Z", "end": f"{day}T14:00:00Z"}
    elif p == f"{V1}/appointments" and m == "POST":
        doctor = ctx.doctor.id
        kw["json"] = {
            "doctor_id": doctor,
            "start": await free_slot(client, doctor),
            "reason": "pain",
        }
    elif p.endswith(("/cancel", "/reject", "/decline")):
        kw["json"] = {"reason": "not possible"}
    elif p == f"{V1}/conversations" and m == "POST":
        kw["json"] = {"participant_id": target}
    elif p.endswith("/messages") and m == "POST":
        kw["json"] = {"text": "hello doctor"}
    elif p.endswith("/read") and "conversations" in p:
        kw["json"] = {"message_id": ctx.objects["message"]}
    elif p == f"{V1}/referrals" and m == "POST":
        kw["json"] = {
            "patient_id": target,
            "to_doctor_id": world.specialist.id,
            "reason": "second opinion",
            "urgency": "routine",
        }
    elif p.endswith("/referrals/{referral_id}/appointments"):
        kw["json"] = {"start": await free_slot(client, world.specialist.id)}
    elif p == f"{V1}/consultations" and m == "POST":
        kw["json"] = {"patient_id": target, "chief_complaint": "cough"}
    elif p.endswith("/consultations/{consultation_id}") and m == "PATCH":
        kw["json"] = {"diagnosis": "common cold"}
    elif p.endswith("/notes") or p.endswith("/addenda"):
        kw["json"] = {"text": "rest and fluids"}
    elif p == f"{V1}/prescriptions" and m == "POST":
        kw["json"] = {
            "consultation_id": target,
            "medications": [
                {"name": "Paracetamol", "dosage": "1 g", "frequency": "3/day", "duration": "3 d"}
            ],
        }
    elif p.endswith("/prescriptions/{prescription_id}") and m == "PATCH":
        kw["json"] = {"notes": "with food"}
    elif p in (f"{V1}/prescriptions", f"{V1}/documents") and m == "GET":
        kw["params"] = {"patient_id": target}
    elif p == f"{V1}/documents" and m == "POST":
        kw["files"] = {"file": ("scan.pdf", io.BytesIO(PDF), "application/pdf")}
        kw["data"] = {"patient_id": target, "title": "Scan", "category": "imaging"}
    elif p.endswith("/notifications/preferences") and m == "PUT":
        kw["json"] = {"email": {"appointments": True}, "push": {"messages": False}}
    elif p == f"{V1}/waitlist" and m == "POST":
        earliest = datetime.now(UTC) + timedelta(days=40)
        kw["json"] = {
            "doctor_id": world.specialist.id,
            "earliest": earliest.isoformat(),
            "latest": (earliest + timedelta(days=7)).isoformat(),
        }
    elif p.endswith("/notifications/devices"):
        kw["json"] = {"subscription_id": f"sub-{uuid.uuid4().hex}", "platform": "android"}
    elif p.endswith("/admin/users/{user_id}"):
        kw["json"] = {"active": True}
    elif p.endswith("/audit-logs/export"):
        kw["params"] = {"format": "jsonl"}
    return Call(m, url, kw), side
