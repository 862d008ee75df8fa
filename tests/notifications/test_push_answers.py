"""Which subscriptions a OneSignal answer says are gone (so that their devices are forgotten)."""

from config.settings import Settings
from infra.push import invalid_subscriptions, push_client, send_push


def _push(settings: Settings, targets: list[str]) -> list[str]:
    return send_push(push_client(settings.push), subscription_ids=targets, title="t",
                     body="b", link="http://app.test/x", notification_id="n1")  # fmt: skip


def test_gone_subscriptions_are_reported_when_some_or_all_of_them_are_gone(
    settings: Settings,
) -> None:
    assert _push(settings, ["sub-ok-1", "invalid-1"]) == ["invalid-1"]
    assert sorted(_push(settings, ["invalid-2", "invalid-1"])) == ["invalid-1", "invalid-2"]
    assert _push(settings, ["sub-ok-1"]) == []


def test_only_a_not_subscribed_answer_condemns_every_target() -> None:
    none_left = {"id": "", "recipients": 0, "errors": ["All included players are not subscribed"]}
    assert invalid_subscriptions(none_left, ["a", "b"]) == ["a", "b"]
    refused = {"errors": ["Notification content must not be null for any languages."]}
    assert invalid_subscriptions(refused, ["a"]) == []
    assert invalid_subscriptions({"id": "n1", "recipients": 1}, ["a"]) == []
    assert invalid_subscriptions(None, ["a"]) == []
