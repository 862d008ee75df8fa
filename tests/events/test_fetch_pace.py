"""The streams consumer's fetch wait: short while messages come in, back to the idle wait
after a quiet spell, applied to consumers already running and to new ones."""

from __future__ import annotations

import weakref
from typing import Any

import pytest

from streams import fetch_pace


class _Holder:
    """Stands for aiokafka's consumer and fetcher: only the attribute the pace sets."""

    def __init__(self, wait_ms: int, fetcher: _Holder | None = None) -> None:
        self._fetch_max_wait_ms = wait_ms
        self._fetcher = fetcher


@pytest.fixture
def running_consumer(monkeypatch: pytest.MonkeyPatch) -> Any:
    # A started consumer as aiokafka holds it: the wait lives on its fetcher too.
    consumer = _Holder(0, fetcher=_Holder(0))
    monkeypatch.setattr(fetch_pace, "_consumers", weakref.WeakSet([consumer]))
    monkeypatch.setattr(fetch_pace, "_current_wait_ms", fetch_pace.IDLE_WAIT_MS)
    monkeypatch.setattr(fetch_pace, "_last_message", 0.0)
    return consumer


def test_a_message_shortens_the_wait_and_a_quiet_spell_restores_it(
    running_consumer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(fetch_pace.time, "monotonic", lambda: now[0])

    fetch_pace.message_seen()
    assert running_consumer._fetcher._fetch_max_wait_ms == fetch_pace.BUSY_WAIT_MS
    assert running_consumer._fetch_max_wait_ms == fetch_pace.BUSY_WAIT_MS

    now[0] += fetch_pace.QUIET_SECONDS / 2
    fetch_pace.relax_if_quiet()  # still within the burst
    assert running_consumer._fetcher._fetch_max_wait_ms == fetch_pace.BUSY_WAIT_MS

    now[0] += fetch_pace.QUIET_SECONDS
    fetch_pace.relax_if_quiet()
    assert running_consumer._fetcher._fetch_max_wait_ms == fetch_pace.IDLE_WAIT_MS

    fetch_pace.message_seen()  # the next burst
    assert running_consumer._fetcher._fetch_max_wait_ms == fetch_pace.BUSY_WAIT_MS


def test_a_consumer_created_mid_burst_starts_with_the_short_wait(
    running_consumer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch_pace.message_seen()
    created = _Holder(1500)  # Faust's own value
    monkeypatch.setattr(fetch_pace, "_create_worker_consumer", lambda self, transport: created)

    consumer = fetch_pace._paced_consumer(None, None)

    assert consumer._fetch_max_wait_ms == fetch_pace.BUSY_WAIT_MS
    monkeypatch.setattr(fetch_pace, "_last_message", -fetch_pace.QUIET_SECONDS)
    fetch_pace.relax_if_quiet()  # later changes reach it too
    assert consumer._fetch_max_wait_ms == fetch_pace.IDLE_WAIT_MS
