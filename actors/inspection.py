"""What operators see of the Dramatiq queues: depths, dead letters, requeue and delete.

Reads the Redis layout the Dramatiq Redis broker documents in its dispatch script:
`<ns>:<queue>` (ready ids), `<ns>:<queue>.msgs` (bodies), `<ns>:<queue>.DQ` (delayed),
`<ns>:<queue>.XQ` + `.XQ.msgs` (dead letters, scored by when they died); and ours:
`<ns>:<queue>.wake` and `.DQ.wake` (wake-up tokens, `actors/wakeups.py`).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dramatiq
from dramatiq.errors import ActorNotFound
from redis.asyncio import Redis

from actors.middleware import ERRORS_SUFFIX
from actors.wakeups import WAKE_SUFFIX

# What follows a queue's name in its keys; longest first where one ends another.
_SUFFIXES = (ERRORS_SUFFIX, ".XQ.msgs", ".DQ.msgs", ".DQ" + WAKE_SUFFIX, WAKE_SUFFIX, ".XQ",
             ".DQ", ".msgs")  # fmt: skip
SECRET_MARKERS = ("password", "token", "secret", "key", "code", "authorization")
REDACTED = "***"

# Two admins may requeue the same letter at once: only the one that takes it off the dead
# set puts it back on the queue, or it would run twice.
_REQUEUE = """
if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('hdel', KEYS[2], ARGV[1])
redis.call('hset', KEYS[3], ARGV[1], ARGV[2])
redis.call('rpush', KEYS[4], ARGV[1])
redis.call('hdel', KEYS[5], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class QueueDepth:
    name: str
    ready: int
    delayed: int
    dead: int
    in_flight: int


@dataclass(frozen=True)
class DeadLetter:
    message_id: str  # the Redis message id, used to requeue or delete it
    queue: str
    actor: str
    args: list[Any]
    kwargs: dict[str, Any]
    retries: int
    last_error: str | None
    dead_at: datetime
    enqueued_at: datetime | None


def _redact(value: Any, key: str = "") -> Any:
    if any(marker in key.lower() for marker in SECRET_MARKERS):
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _parameter_names(actor_name: str) -> list[str]:
    """The actor's parameter names, so that a positional secret is masked like a keyword one."""
    try:
        fn = dramatiq.get_broker().get_actor(actor_name).fn
        return list(inspect.signature(fn).parameters)
    except (ActorNotFound, TypeError, ValueError):
        return []


def _redact_args(actor_name: str, args: list[Any]) -> list[Any]:
    names = _parameter_names(actor_name)
    return [_redact(v, names[i] if i < len(names) else "") for i, v in enumerate(args)]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _last_error(traceback_text: str | None) -> str | None:
    if not traceback_text:
        return None
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


class QueueInspector:
    def __init__(self, redis: Redis, namespace: str = "dramatiq") -> None:
        self.redis = redis
        self.ns = namespace

    def _key(self, queue: str, suffix: str = "") -> str:
        return f"{self.ns}:{queue}{suffix}"

    async def queue_names(self, declared: set[str] | None = None) -> list[str]:
        names = {q for q in (declared or set()) if not q.endswith(".DQ")}
        prefix = f"{self.ns}:"
        async for raw in self.redis.scan_iter(match=f"{prefix}*", count=500):
            key = raw.decode() if isinstance(raw, bytes) else raw
            rest = key[len(prefix) :]
            if rest.startswith("__"):
                continue  # heartbeats and acks
            for suffix in _SUFFIXES:
                if rest.endswith(suffix):
                    rest = rest[: -len(suffix)]
                    break
            names.add(rest)
        return sorted(names)

    async def depth(self, queue: str) -> QueueDepth:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.llen(self._key(queue))
            pipe.hlen(self._key(queue, ".msgs"))
            pipe.hlen(self._key(queue, ".DQ.msgs"))
            pipe.zcard(self._key(queue, ".XQ"))
            ready, stored, delayed, dead = await pipe.execute()
        return QueueDepth(queue, ready, delayed, dead, max(0, stored - ready))

    async def depths(self, declared: set[str] | None = None) -> list[QueueDepth]:
        return [await self.depth(name) for name in await self.queue_names(declared)]

    async def dead_letters(
        self, queue: str, offset: int = 0, limit: int = 20
    ) -> tuple[int, list[DeadLetter]]:
        total = await self.redis.zcard(self._key(queue, ".XQ"))
        ids: list[Any] = await self.redis.zrevrange(
            self._key(queue, ".XQ"), offset, offset + limit - 1, withscores=True
        )
        letters: list[DeadLetter] = []
        for raw_id, score in ids:
            message_id = _text(raw_id)
            body = await self.redis.hget(self._key(queue, ".XQ.msgs"), message_id)
            if body is None:
                continue
            error = await self.redis.hget(self._key(queue, ERRORS_SUFFIX), message_id)
            letters.append(self._parse(queue, message_id, body, float(score), error))
        return total, letters

    def _parse(
        self, queue: str, message_id: str, body: bytes | str, score: float, error: Any
    ) -> DeadLetter:
        data = json.loads(body)
        options = data.get("options", {})
        enqueued = data.get("message_timestamp")
        return DeadLetter(
            message_id=message_id,
            queue=queue,
            actor=data.get("actor_name", "?"),
            args=_redact_args(data.get("actor_name", ""), list(data.get("args", []))),
            kwargs=_redact(dict(data.get("kwargs", {}))),
            retries=int(options.get("retries", 0)),
            last_error=error.decode()
            if isinstance(error, bytes)
            else error or _last_error(options.get("traceback")),
            dead_at=datetime.fromtimestamp(score / 1000, UTC),
            enqueued_at=datetime.fromtimestamp(enqueued / 1000, UTC) if enqueued else None,
        )

    async def requeue(self, queue: str, message_id: str) -> bool:
        """Moves a dead letter back to its queue with a fresh retry budget, atomically."""
        body = await self.redis.hget(self._key(queue, ".XQ.msgs"), message_id)
        if body is None:
            return False
        data = json.loads(body)
        options = data.setdefault("options", {})
        options["retries"] = 0
        options.pop("traceback", None)
        options.pop("eta", None)
        data["queue_name"] = queue
        keys = [
            self._key(queue, suffix) for suffix in (".XQ", ".XQ.msgs", ".msgs", "", ERRORS_SUFFIX)
        ]
        fresh = json.dumps(data, separators=(",", ":"))
        moved = await self.redis.eval(_REQUEUE, len(keys), *keys, message_id, fresh)
        return bool(moved)

    async def delete(self, queue: str, message_id: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._key(queue, ".XQ"), message_id)
            pipe.hdel(self._key(queue, ".XQ.msgs"), message_id)
            pipe.hdel(self._key(queue, ERRORS_SUFFIX), message_id)
            removed, *_ = await pipe.execute()
        return bool(removed)
