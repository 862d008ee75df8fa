"""Channels, categories and the stored shape of a notification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

NOTIFICATIONS = "notifications"
PREFERENCES = "notification_preferences"
DEVICES = "devices"

CHANNELS = ("email", "push")
DELIVERY_ACTORS = {"email": "notifications.send_email", "push": "notifications.send_push"}
CATEGORIES = ("appointments", "prescriptions", "messages", "referrals", "documents", "security")

Channel = Literal["email", "push"]

# Delivery state per channel, stored as `<channel>_status` on the notification:
# pending → sending (claimed under a lease) → sent; skipped when the preference is off or
# there is nowhere to deliver; dead when retries ran out; lapsed when what it announced ran
# out (an offer) before it could go.
PENDING, SENDING, SENT, SKIPPED, DEAD = "pending", "sending", "sent", "skipped", "dead"
LAPSED = "lapsed"
FINISHED = (SENT, SKIPPED, DEAD, LAPSED)  # nothing more to do on that channel
# Why a channel was skipped after the notification was stored (`<channel>_reason`).
ACCOUNT_INACTIVE = "account_inactive"
PREFERENCE_OFF = "preference_off"


@dataclass(frozen=True)
class Message:
    """What one recipient is told. Never medical details: a short line and a deep link."""

    user_id: str
    category: str
    title: str
    body: str
    link: str
    # From then on email and push would announce something gone (a held slot's offer): they
    # are not sent after it. The in-app notification stays.
    lapses_at: datetime | None = None
