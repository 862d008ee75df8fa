"""/api/v1/notifications: the caller's in-app notifications, preferences and devices."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, delete, get, post, put
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from actors.dispatch import DeferredJobQueue
from api.controllers.input_types import Switch
from api.controllers.providers import PageParam, PageSizeParam
from api.security import BEARER, authenticated
from domain.accounts import Principal
from domain.notifications import devices, preferences, repository, rescheduling
from domain.notifications.quiet_hours import parse_quiet_hours
from domain.notifications.views import notification_view
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from infra.resources import Resources


class NotificationOut(BaseModel):
    id: str
    category: str
    title: str
    body: str
    link: str
    read: bool
    created_at: str
    event_type: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    deliver_after: str | None = Field(
        default=None,
        description="Set when the notification came during the recipient's quiet hours: "
        "its email and push were held until then (UTC); the in-app notification was not.",
    )
    lapses_at: str | None = Field(
        default=None,
        description="Set when the notification announces something that runs out then (UTC), "
        "such as a waiting-list offer: its email and push are not sent after it, nor held "
        "for quiet hours that end later (their status is then `lapsed`).",
    )


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    page: int
    page_size: int
    unread: int


class CategorySwitches(BaseModel):
    model_config = ConfigDict(extra="forbid")

    appointments: Switch | None = None
    prescriptions: Switch | None = None
    messages: Switch | None = None
    referrals: Switch | None = None
    documents: Switch | None = None
    security: Switch | None = None


QUIET_HOURS_DESCRIPTION = (
    "A daily window on the user's wall clock during which email and push wait until it "
    "ends; in-app notifications (the list and `notification:new`) arrive at once. The window "
    "may cross midnight (22:00 to 07:00) and follows daylight-saving changes. Security "
    "alerts (category `security`) never wait. null: no quiet hours (the default)."
)


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(description="HH:MM, when email and push start waiting", examples=["22:00"])
    end: str = Field(
        description="HH:MM, when they go out again; differs from start", examples=["07:00"]
    )
    timezone: str = Field(description="IANA time zone of both times", examples=["Europe/Paris"])


class PreferencesIn(BaseModel):
    """Changes only: categories left out keep their value, and so do the quiet hours when
    `quiet_hours` is left out (null removes them)."""

    model_config = ConfigDict(extra="forbid")

    email: CategorySwitches = Field(default_factory=CategorySwitches)
    push: CategorySwitches = Field(default_factory=CategorySwitches)
    quiet_hours: QuietHours | None = Field(default=None, description=QUIET_HOURS_DESCRIPTION)


class PreferencesOut(BaseModel):
    email: dict[str, bool]
    push: dict[str, bool]
    quiet_hours: QuietHours | None = Field(default=None, description=QUIET_HOURS_DESCRIPTION)


# StringConstraints rather than Field(pattern=...): Litestar leaves a Field's pattern out of
# the OpenAPI document, and clients that validate against it must see the rule enforced.
SubscriptionId = Annotated[
    str, StringConstraints(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
]


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription_id: SubscriptionId = Field(
        description="The OneSignal subscription id of the app on this device"
    )
    platform: Literal["ios", "android", "web"]


class DeviceOut(BaseModel):
    subscription_id: str
    platform: Literal["ios", "android", "web"]


class MarkedOut(BaseModel):
    marked: int = Field(description="how many were unread")


def _out(doc: dict[str, Any]) -> NotificationOut:
    return NotificationOut(**notification_view(doc))


class NotificationsController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]
    guards = [authenticated]
    security = BEARER

    @get("/", summary="My in-app notifications, newest first")
    async def list_notifications(
        self,
        resources: Resources,
        current_user: Principal,
        unread: bool = False,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> NotificationPage:
        docs, total = await repository.list_for(
            resources.db, current_user.user_id, unread_only=unread,
            skip=(page - 1) * page_size, limit=page_size,
        )  # fmt: skip
        _, unread_count = await repository.list_for(
            resources.db, current_user.user_id, unread_only=True, limit=1
        )
        return NotificationPage(items=[_out(d) for d in docs], total=total, page=page,
                                page_size=page_size, unread=unread_count)  # fmt: skip

    @post("/{notification_id:str}/read", summary="Mark one notification read", status_code=200)
    async def read_one(
        self, notification_id: str, resources: Resources, current_user: Principal
    ) -> NotificationOut:
        doc = await repository.get(resources.db, notification_id)
        if doc is None or doc.get("user_id") != current_user.user_id:
            raise NotFound("No such notification")
        await repository.mark_read(resources.db, current_user.user_id, notification_id)
        return _out({**doc, "read": True})

    @post("/read-all", summary="Mark all my notifications read", status_code=200)
    async def read_all(self, resources: Resources, current_user: Principal) -> MarkedOut:
        return MarkedOut(marked=await repository.mark_read(resources.db, current_user.user_id))

    @get("/preferences", summary="Email and push switches per category, and quiet hours")
    async def get_preferences(
        self, resources: Resources, current_user: Principal
    ) -> PreferencesOut:
        stored = await preferences.get_preferences(resources.db, current_user.user_id)
        return PreferencesOut(**stored)

    @put(
        "/preferences",
        summary="Change email and push switches per category, and quiet hours",
        description="Changes only what the body names: categories left out keep their "
        "switch, and a body without `quiet_hours` keeps the stored window (null removes it). "
        "Quiet hours: " + QUIET_HOURS_DESCRIPTION + " A window whose start equals its end, a "
        "time other than HH:MM (00:00 to 23:59) or an unknown zone is refused with 422. "
        "Email and push already held for the old window follow the new one: those it no "
        "longer holds go at once, and `deliver_after` shows the new end. A switch turned off "
        "also holds for email or push of that category still waiting to go (held or queued): "
        "they are skipped.",
    )
    async def put_preferences(
        self,
        data: PreferencesIn,
        resources: Resources,
        current_user: Principal,
        jobs: DeferredJobQueue,
    ) -> PreferencesOut:
        changes = {
            "email": data.email.model_dump(exclude_none=True),
            "push": data.push.model_dump(exclude_none=True),
        }
        # Left out, the stored window stays (as the switches do); null removes it.
        window: preferences.QuietHoursChange = preferences.KEEP
        if "quiet_hours" in data.model_fields_set:
            window = parse_quiet_hours(data.quiet_hours.model_dump()) if data.quiet_hours else None
        stored = await preferences.update_preferences(
            resources.db, current_user.user_id, changes, window
        )
        if window is not preferences.KEEP:
            # What is held for the old window goes by the new one (sooner: at once).
            await rescheduling.follow_new_window(
                resources.db, jobs, current_user.user_id, window, utcnow()
            )
        return PreferencesOut(**stored)

    @post("/devices", summary="Register a OneSignal push subscription", status_code=201)
    async def register_device(
        self, data: DeviceIn, resources: Resources, current_user: Principal
    ) -> DeviceOut:
        await devices.register_device(
            resources.db, current_user.user_id, data.subscription_id, data.platform
        )
        return DeviceOut(subscription_id=data.subscription_id, platform=data.platform)

    @delete(
        "/devices/{subscription_id:str}",
        summary="Remove one of my push subscriptions (call it at sign-out)",
        description="The device gets no push from then on. Apps call it when the user signs "
        "out, so that a shared phone stops showing their notifications. A subscription that "
        "is not the caller's (unknown, or since registered by another account) is a 404.",
    )
    async def remove_device(
        self, subscription_id: str, resources: Resources, current_user: Principal
    ) -> None:
        if not await devices.remove_device(resources.db, current_user.user_id, subscription_id):
            raise NotFound("No such device")
