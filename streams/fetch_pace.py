"""How long the streams consumer asks the broker to hold each fetch: short while events
flow, longer once the topics have been quiet for a while.

Faust asks the broker to hold each fetch up to 1.5 s (hard-coded). Kafka answers a held
fetch as soon as a record arrives; the embedded broker answers it after half its wait,
whatever arrives: a record produced 50 ms into an idle consumer's wait reached it after
26, 201 and 451 ms with waits of 100, 500 and 1,000 ms, for any aiokafka consumer (on
the producer's event loop or in a thread of its own, one partition or 28), so every event
waited ~750 ms under Faust's wait. A short wait bounds that delay, but costs one fetch
request per interval: at 10 ms the streams process and the broker used three times their
idle CPU of a 100 ms wait. So the wait is short while messages come in (an event then
waits ~5 ms for its fetch) and goes back to 100 ms after a quiet spell: the first event
after one waits up to ~50 ms, the rest of a burst ~5 ms. On Kafka the short waits only
add fetch requests while events flow.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import faust
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

BUSY_WAIT_MS = 10
IDLE_WAIT_MS = 100
QUIET_SECONDS = 5.0  # without any message before the wait goes back to IDLE_WAIT_MS

_consumers: weakref.WeakSet[Any] = weakref.WeakSet()
_last_message = 0.0
_current_wait_ms = IDLE_WAIT_MS


def _set_wait(wait_ms: int) -> None:
    global _current_wait_ms
    _current_wait_ms = wait_ms
    for consumer in _consumers:
        consumer._fetch_max_wait_ms = wait_ms  # read when its fetcher starts
        fetcher = getattr(consumer, "_fetcher", None)
        if fetcher is not None:
            # Read for every fetch request the consumer thread builds; an int assignment
            # from this thread is safe.
            fetcher._fetch_max_wait_ms = wait_ms


def message_seen() -> None:
    global _last_message
    _last_message = time.monotonic()
    if _current_wait_ms != BUSY_WAIT_MS:
        _set_wait(BUSY_WAIT_MS)


def relax_if_quiet() -> None:
    """Called every second: back to the idle wait once nothing has come for a while."""
    quiet = time.monotonic() - _last_message >= QUIET_SECONDS
    if quiet and _current_wait_ms != IDLE_WAIT_MS:
        _set_wait(IDLE_WAIT_MS)


class MessagePace(faust.Sensor):
    """Tells the pace about every message the consumer hands to the streams."""

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        message_seen()


_create_worker_consumer = AIOKafkaConsumerThread._create_worker_consumer


def _paced_consumer(self: Any, transport: Any) -> Any:
    consumer = _create_worker_consumer(self, transport)
    consumer._fetch_max_wait_ms = _current_wait_ms
    _consumers.add(consumer)
    return consumer


def install(app: Any) -> None:
    """Pace every consumer `app`'s workers create."""
    AIOKafkaConsumerThread._create_worker_consumer = _paced_consumer  # type: ignore[method-assign]
    app.sensors.add(MessagePace())
    app.timer(1.0, name="fetch_pace")(_relax)


async def _relax() -> None:
    relax_if_quiet()
