"""The authorization matrix: every route of the OpenAPI document, who may call it, and on
which object.

One row per route. `roles` is who may call it at all (None: anyone, even anonymous); a
signed-in caller of another role gets 403, a caller without a valid token (anonymous, or
a deactivated account) gets 401. `obj` names the world object the route acts on (see
tests/security/world.py) and where its id goes; `parties` who may act on it: its
"patient", its "doctor" (the treating doctor of that side), "admin" (any object). A
caller of the right role who is not a party gets exactly the answer of a missing object
(404). Routes without an object are called once per actor.

Expanded by `cases()` into actor x object rows: the object is the caller's own (their
side of the world: patient A and the treating doctor own side "a", patient B and the
unrelated doctor side "b"; callers without a side are given side "a"), someone else's
(the other side) or missing (a well-formed id that exists nowhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ACTORS = (
    "anonymous",
    "patient_a",
    "patient_b",
    "treating_doctor",
    "unrelated_doctor",
    "admin",
    "deactivated",
)
ROLE_OF = {
    "anonymous": None,
    "patient_a": "patient",
    "patient_b": "patient",
    "treating_doctor": "doctor",
    "unrelated_doctor": "doctor",
    "admin": "admin",
    "deactivated": "patient",
}
P, D, A = "patient", "doctor", "admin"
ANY = (P, D, A)
Where = Literal["path", "query", "body", "form"]
# "ok": 2xx, or 409/422 when the object's state or the request's timing rules it out
# (an own appointment already completed, a slot just taken); never a 401/403/404.
Outcome = Literal["ok", 401, 403, 404]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    roles: tuple[str, ...] | None
    obj: str | None = None  # world object kind: appointment, consultation, patient, ...
    where: Where = "path"
    parties: tuple[str, ...] = ()
    lists: bool = False  # a list: never a row of the other side
    # the answer for every caller, when it depends on the body alone (a bad refresh token)
    always: Outcome | None = None
    # (actor role, object, outcome) exceptions to the rules above, each with its reason
    overrides: tuple[tuple[str, str, Outcome], ...] = ()


def R(method: str, path: str, roles: tuple[str, ...] | None, **kw: object) -> Route:
    return Route(method, path, roles, **kw)  # type: ignore[arg-type]


V1 = "/api/v1"
MATRIX: list[Route] = [
    # health and operations: anyone
    R("GET", "/health/live", None),
    R("GET", "/health/ready", None),
    R("GET", "/metrics", None),
    # auth: public forms, and the signed-in user's own account
    R("POST", f"{V1}/auth/register", None),
    R("POST", f"{V1}/auth/verify-email", None),
    R("POST", f"{V1}/auth/resend-verification", None),
    R("POST", f"{V1}/auth/login", None),
    R("POST", f"{V1}/auth/refresh", None, always=401),  # the body's token is not one
    R("POST", f"{V1}/auth/logout", None),
    R("POST", f"{V1}/auth/forgot-password", None),
    R("POST", f"{V1}/auth/reset-password", None),
    R("POST", f"{V1}/auth/change-password", ANY),
    R("GET", f"{V1}/auth/me", ANY),
    R("POST", f"{V1}/auth/mfa/setup", ANY),
    R("POST", f"{V1}/auth/mfa/enable", ANY),
    R("POST", f"{V1}/auth/mfa/disable", ANY),
    R("POST", f"{V1}/auth/mfa/verify", None, always=401),  # the body's mfa_token is not one
    # profiles and discovery
    R("GET", f"{V1}/users/me/profile", ANY),
    R("PATCH", f"{V1}/users/me/profile", ANY),
    R("PUT", f"{V1}/users/me/photo", ANY),
    R("GET", f"{V1}/specialties", None),
    R("GET", f"{V1}/doctors", None, lists=True),
    R("GET", f"{V1}/doctors/{{doctor_id}}", None, obj="doctor", parties=(P, D, A)),
    R("GET", f"{V1}/doctors/{{doctor_id}}/slots", None, obj="doctor", parties=(P, D, A)),
    R("GET", f"{V1}/patients/{{patient_id}}", ANY, obj="patient", parties=(P, D, A)),
    # availability: the doctor's own
    R("GET", f"{V1}/doctors/me/availability", (D,)),
    R("PUT", f"{V1}/doctors/me/availability", (D,)),
    R("GET", f"{V1}/doctors/me/time-off", (D,), lists=True),
    R("POST", f"{V1}/doctors/me/time-off", (D,)),
    R("DELETE", f"{V1}/doctors/me/time-off/{{time_off_id}}", (D,), obj="time_off", parties=(D,)),
    # appointments
    R("POST", f"{V1}/appointments", (P,)),
    # an admin sees every appointment (as each one by id)
    R("GET", f"{V1}/appointments", (P, D), lists=True),
    R("GET", f"{V1}/appointments/{{appointment_id}}", ANY, obj="appointment", parties=(P, D, A)),
    R(
        "POST",
        f"{V1}/appointments/{{appointment_id}}/confirm",
        (D,),
        obj="appointment",
        parties=(D,),
    ),
    R(
        "POST",
        f"{V1}/appointments/{{appointment_id}}/reject",
        (D,),
        obj="appointment",
        parties=(D,),
    ),
    R(
        "POST",
        f"{V1}/appointments/{{appointment_id}}/complete",
        (D,),
        obj="appointment",
        parties=(D,),
    ),
    R(
        "POST",
        f"{V1}/appointments/{{appointment_id}}/cancel",
        (P, D),
        obj="appointment",
        parties=(P, D),
    ),
    # messaging
    # Doctors are public: a patient is told why an unrelated doctor cannot be messaged.
    R(
        "POST",
        f"{V1}/conversations",
        (P, D),
        obj="counterpart",
        where="body",
        parties=(P, D),
        overrides=((P, "foreign", 403),),
    ),
    R("GET", f"{V1}/conversations", (P, D), lists=True),
    R("GET", f"{V1}/conversations/{{conversation_id}}", (P, D), obj="conversation", parties=(P, D)),
    R(
        "GET",
        f"{V1}/conversations/{{conversation_id}}/messages",
        (P, D),
        obj="conversation",
        parties=(P, D),
        lists=True,
    ),
    R(
        "POST",
        f"{V1}/conversations/{{conversation_id}}/messages",
        (P, D),
        obj="conversation",
        parties=(P, D),
    ),
    R(
        "POST",
        f"{V1}/conversations/{{conversation_id}}/read",
        (P, D),
        obj="conversation",
        parties=(P, D),
    ),
    # referrals (received by a specialist who is not one of the actors)
    R("POST", f"{V1}/referrals", (D,), obj="patient", where="body", parties=(D,)),
    R("GET", f"{V1}/referrals", (P, D), lists=True),  # a patient: referrals about them
    R("GET", f"{V1}/referrals/{{referral_id}}", ANY, obj="referral", parties=(P, D)),
    R("POST", f"{V1}/referrals/{{referral_id}}/accept", (D,), obj="referral", parties=()),
    R("POST", f"{V1}/referrals/{{referral_id}}/decline", (D,), obj="referral", parties=()),
    R("POST", f"{V1}/referrals/{{referral_id}}/appointments", (D,), obj="referral", parties=(D,)),
    # medical records
    R("POST", f"{V1}/consultations", (D,), obj="patient", where="body", parties=(D,)),
    R("GET", f"{V1}/consultations/{{consultation_id}}", ANY, obj="consultation", parties=(P, D)),
    R("PATCH", f"{V1}/consultations/{{consultation_id}}", (D,), obj="consultation", parties=(D,)),
    R(
        "GET",
        f"{V1}/consultations/{{consultation_id}}/versions",
        ANY,
        obj="consultation",
        parties=(P, D),
    ),
    R(
        "POST",
        f"{V1}/consultations/{{consultation_id}}/notes",
        (D,),
        obj="consultation",
        parties=(D,),
    ),
    R("POST", f"{V1}/prescriptions", (D,), obj="consultation", where="body", parties=(D,)),
    R("GET", f"{V1}/prescriptions", ANY, obj="patient", where="query", parties=(P, D), lists=True),
    R("GET", f"{V1}/prescriptions/{{prescription_id}}", ANY, obj="prescription", parties=(P, D)),
    R("PATCH", f"{V1}/prescriptions/{{prescription_id}}", (D,), obj="prescription", parties=(D,)),
    R(
        "POST",
        f"{V1}/prescriptions/{{prescription_id}}/lock",
        (D,),
        obj="prescription",
        parties=(D,),
    ),
    R(
        "POST",
        f"{V1}/prescriptions/{{prescription_id}}/addenda",
        (D,),
        obj="prescription",
        parties=(D,),
    ),
    R(
        "GET",
        f"{V1}/prescriptions/{{prescription_id}}/versions",
        ANY,
        obj="prescription",
        parties=(P, D),
    ),
    R("POST", f"{V1}/documents", (P, D), obj="patient", where="form", parties=(P, D)),
    R("GET", f"{V1}/documents", ANY, obj="patient", where="query", parties=(P, D), lists=True),
    R("GET", f"{V1}/documents/{{document_id}}", ANY, obj="document", parties=(P, D)),
    R("GET", f"{V1}/documents/{{document_id}}/download", ANY, obj="document", parties=(P, D)),
    R("DELETE", f"{V1}/documents/{{document_id}}", ANY, obj="document", parties=(D,)),
    R("GET", f"{V1}/patients/me/access-log", (P,), lists=True),
    # notifications: one's own
    R("GET", f"{V1}/notifications", ANY, lists=True),
    R(
        "POST",
        f"{V1}/notifications/{{notification_id}}/read",
        ANY,
        obj="notification",
        parties=(P, D),
    ),
    R("POST", f"{V1}/notifications/read-all", ANY),
    R("GET", f"{V1}/notifications/preferences", ANY),
    R("PUT", f"{V1}/notifications/preferences", ANY),
    R("POST", f"{V1}/notifications/devices", ANY),
    R(
        "DELETE",
        f"{V1}/notifications/devices/{{subscription_id}}",
        ANY,
        obj="device",
        parties=(P, D),
    ),
    R(
        "GET",
        f"{V1}/patients/{{patient_id}}/timeline",
        ANY,
        obj="patient",
        parties=(P, D, A),
        lists=True,
    ),
    R(
        "GET",
        f"{V1}/fhir/Patient/{{patient_id}}/$everything",
        (P, D),
        obj="patient",
        parties=(P, D),
    ),
    R("POST", f"{V1}/waitlist", (P,)),
    R("GET", f"{V1}/waitlist", (P,), lists=True),
    R("GET", f"{V1}/waitlist/{{entry_id}}", (P,), obj="waitlist", parties=(P,)),
    R("DELETE", f"{V1}/waitlist/{{entry_id}}", (P,), obj="waitlist", parties=(P,)),
    # administration: admins only, on any object
    R("GET", f"{V1}/admin/users", (A,)),
    R("PATCH", f"{V1}/admin/users/{{user_id}}", (A,), obj="patient", parties=(A,)),
    R(
        "GET",
        f"{V1}/admin/users/{{user_id}}/activity",
        (A,),
        obj="patient",
        parties=(A,),
    ),
    R(
        "GET",
        f"{V1}/admin/patients/{{patient_id}}/access-log",
        (A,),
        obj="patient",
        parties=(A,),
    ),
    R("GET", f"{V1}/admin/audit-logs", (A,)),
    R("GET", f"{V1}/admin/audit-logs/export", (A,)),
    R("GET", f"{V1}/admin/audit-logs/verify", (A,)),
    R("GET", f"{V1}/admin/security-events", (A,)),
    R("GET", f"{V1}/admin/stats", (A,)),
    R("GET", f"{V1}/admin/queues", (A,)),
    R("GET", f"{V1}/admin/queues/{{name}}/dead", (A,)),
    R(
        "POST",
        f"{V1}/admin/queues/{{name}}/dead/{{message_id}}/retry",
        (A,),
        obj="dead_letter",
        parties=(A,),
    ),
    R(
        "DELETE",
        f"{V1}/admin/queues/{{name}}/dead/{{message_id}}",
        (A,),
        obj="dead_letter",
        parties=(A,),
    ),
    R("GET", f"{V1}/admin/scheduler/jobs", (A,)),
    R("GET", f"{V1}/admin/outbox", (A,)),
]

OBJECTS = ("own", "foreign", "missing")
# Objects that exist only as missing (nobody owns a dead letter in the world).
ONLY_MISSING = {"dead_letter"}


@dataclass(frozen=True)
class Case:
    route: Route
    actor: str
    obj: str  # own | foreign | missing | none
    expected: Outcome

    @property
    def id(self) -> str:
        return f"{self.route.method} {self.route.path} | {self.actor} | {self.obj}"


def side_of(actor: str) -> str | None:
    return {
        "patient_a": "a",
        "treating_doctor": "a",
        "patient_b": "b",
        "unrelated_doctor": "b",
    }.get(actor)


def expected(route: Route, actor: str, obj: str) -> Outcome:
    role = ROLE_OF[actor]
    if route.always is not None:
        return route.always
    if route.roles is None:
        return 404 if obj == "missing" else "ok"
    if actor in ("anonymous", "deactivated"):
        return 401
    for who, which, outcome in route.overrides:
        if who == role and which == obj:
            return outcome
    if role not in route.roles:
        return 403
    if route.obj is None:
        return "ok"
    if obj == "missing":
        return 404
    if role == A:
        return "ok" if A in route.parties else 404
    if obj == "foreign":
        return 404
    # own object: the caller's side; acting on it depends on the caller's position in it
    return "ok" if role in route.parties else 403


def _order(case: Case) -> tuple[int, int]:
    # Reads first, then writes, deletions last: a write's effect must not change the
    # answer a read case expects.
    rank = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}[case.route.method]
    return (rank, MATRIX.index(case.route))


def cases() -> list[Case]:
    out = []
    for route in MATRIX:
        if route.obj is None:
            objects: tuple[str, ...] = ("none",)
        elif route.obj in ONLY_MISSING:
            objects = ("missing",)
        else:
            objects = OBJECTS
        for actor in ACTORS:
            for obj in objects:
                out.append(Case(route, actor, obj, expected(route, actor, obj)))
    return sorted(out, key=_order)
