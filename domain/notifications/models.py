"""Channels, categories and the stored shape of a notification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NOTIFICATIONS = "notifications"
PREFERENCES = "notification_preferences"
DEVICES = "devices"

CHANNELS = ("email", "push")
CATEGORIES = ("appointments", "prescriptions", "messages", "referrals", "documents", "security")

Channel = Literal["email", "push"]

# Delivery state per channel, stored as `<channel>_status` on the notification:
# pending → sending (claimed under a lease) → sent; skipped when the preference is off or
# there is nowhere to deliver; dead when retries ran out.
PENDING, SENDING, SENT, SKIPPED, DEAD = "pending", "sending", "sent", "skipped", "dead"


@dataclass(frozen=True)
class Message:
    """What one recipient is told. Never medical details: a short line and a deep link."""

    user_id: str
    category: str
    title: str
    body: str
    link: str
