"""Push notifications through OneSignal (onesignal-sdk), pointed at ONESIGNAL_API_URL."""

from __future__ import annotations

import uuid
from typing import Any

from onesignal_sdk.client import Client

from config.settings import PushSettings

_NAMESPACE = uuid.UUID("8f5e1c9a-5b0e-4d0c-9a55-6b3f0e2d7c41")
_NOT_SUBSCRIBED = "not subscribed"  # "All included players are not subscribed"


def push_client(settings: PushSettings) -> Client:
    # The SDK joins API_ROOT and "/notifications"; dev and tests point it at the local sink.
    return Client(
        app_id=settings.app_id,
        rest_api_key=settings.api_key.get_secret_value(),
        options={"API_ROOT": settings.api_url.rstrip("/")},
    )


def send_push(
    client: Client,
    *,
    subscription_ids: list[str],
    title: str,
    body: str,
    link: str,
    notification_id: str,
) -> list[str]:
    """Send one push; returns the subscription ids OneSignal reported as invalid."""
    response = client.send_notification(
        {
            "include_subscription_ids": subscription_ids,
            "headings": {"en": title},
            "contents": {"en": body},
            "url": link,
            "data": {"notification_id": notification_id, "link": link},
            # OneSignal drops a repeated external_id for 30 days: a resend after a crash
            # between the request and our commit does not buzz the phone twice.
            "external_id": str(uuid.uuid5(_NAMESPACE, notification_id)),
        }
    )
    return invalid_subscriptions(response.body, subscription_ids)


def invalid_subscriptions(answer: Any, subscription_ids: list[str]) -> list[str]:
    """The targets OneSignal's answer says are gone.

    It names them (`errors.invalid_player_ids`) only when some targets were valid; when
    none was, it creates nothing (empty `id`) and answers with a sentence instead, and then
    every target is gone.
    """
    if not isinstance(answer, dict):
        return []
    errors = answer.get("errors")
    if isinstance(errors, dict):
        names = ("invalid_player_ids", "invalid_subscription_ids")
        return [str(i) for name in names for i in errors.get(name) or []]
    sentences = errors if isinstance(errors, list) and not answer.get("id") else []
    if any(_NOT_SUBSCRIBED in str(sentence).lower() for sentence in sentences):
        return [str(i) for i in subscription_ids]
    return []
