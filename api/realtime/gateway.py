"""Socket.IO events: authentication at connect, rooms, and the chat events of the contract.

Client → server: `message:send {conversation_id, text}` (ack `{id}`),
`typing:start|typing:stop {conversation_id}`, `message:read {conversation_id, message_id}`,
and `conversation:join {conversation_id}` for a conversation opened after connecting.
Server → client: `message:new`, `typing`, `message:read`.
A refused event is acknowledged with `{"error": {"status", "code", "detail"}}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from socketio.exceptions import ConnectionRefusedError as Refused

from api.realtime.server import Realtime
from config.logging import get_logger
from config.settings import Settings
from domain.accounts import AccountsEnv
from domain.accounts.access_tokens import AccessClaims, decode_access_token
from domain.accounts.authentication import authenticate
from domain.accounts.revocation import REVOCATIONS_CHANNEL, is_revoked
from domain.events import Actor
from domain.messaging import presence
from domain.messaging.conversations import conversation_for
from domain.messaging.messages import mark_read, send_message
from domain.messaging.participants import require_care_to_write
from domain.messaging.repository import conversation_ids_of
from domain.messaging.views import message_view
from domain.shared import errors
from infra.socket_rooms import conversation_room, user_room

log = get_logger(__name__)

_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.InvalidInput: 422,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.RateLimited: 429,
}
WINDOW_SECONDS = 10.0  # a socket's event budget (SOCKET_EVENTS_PER_MINUTE) per window
# A socket refused for a revoked token is ended this long after, once the refusal is out.
END_AFTER_REFUSAL_SECONDS = 0.2


def refusal(exc: errors.DomainError) -> dict[str, Any]:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    body = {"status": status, "code": exc.code, "detail": exc.detail}
    if exc.field:
        body["field"] = exc.field
    return {"error": body}


def _field(data: Any, name: str) -> Any:
    return data.get(name) if isinstance(data, dict) else None


class Gateway:
    def __init__(self, realtime: Realtime, settings: Settings) -> None:
        self.realtime = realtime
        self.sio = realtime.sio
        self.ttl = settings.realtime.presence_ttl_seconds
        self.events_per_window = max(
            1, int(settings.realtime.events_per_minute * WINDOW_SECONDS / 60)
        )
        self.callers: dict[str, Actor] = {}  # sockets connected to this process
        self.tokens: dict[str, AccessClaims] = {}
        self.budgets: dict[str, tuple[float, int]] = {}  # sid -> (window start, events)
        self._refresher: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._endings: set[asyncio.Task[None]] = set()

    def register(self) -> None:
        on = self.sio.on
        on("connect", self.connect)
        on("disconnect", self.disconnect)
        on("message:send", self.message_send)
        on("message:read", self.message_read)
        on("typing:start", self.typing_start)
        on("typing:stop", self.typing_stop)
        on("conversation:join", self.conversation_join)

    @property
    def resources(self) -> Any:
        return self.realtime.resources()

    # --- connection ---------------------------------------------------------------------

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = _field(auth, "token")
        if not isinstance(token, str) or not token:
            raise Refused({"message": "unauthorized", "detail": "send auth: {token}"})
        resources = self.resources
        try:
            principal = await authenticate(AccountsEnv.from_resources(resources), token)
        except errors.Unauthenticated:
            raise Refused({"message": "unauthorized", "detail": "invalid token"}) from None
        except Exception as exc:
            raise self._unavailable(exc) from None
        try:
            # Already verified above; kept so that a socket ends with its token (see below).
            claims = decode_access_token(resources.settings.auth, token)
            await self.sio.enter_room(sid, user_room(principal.user_id))
            # Presence first, conversations second: see Realtime.conversation_opened.
            await presence.mark_online(resources.redis, principal.user_id, sid, self.ttl)
            for conversation_id in await conversation_ids_of(resources.db, principal.user_id):
                await self.sio.enter_room(sid, conversation_room(conversation_id))
        except Exception as exc:
            # python-socketio answers nothing to a handler that raises anything but a refusal
            # and never calls `disconnect` for the socket: it would stay online (and get no
            # push) for as long as this process runs. Refused, the server drops it from its
            # rooms; its presence goes here (or with its TTL if Redis is what failed).
            with contextlib.suppress(Exception):
                await presence.mark_offline(resources.redis, principal.user_id, sid)
            raise self._unavailable(exc) from None
        # Registered last: only a socket that connected is kept alive and served events.
        self.callers[sid] = Actor(id=principal.user_id, role=principal.role.value)
        self.tokens[sid] = claims
        self._keep_presence()

    def _unavailable(self, exc: Exception) -> Refused:
        log.warning("socket_connect_failed", error=type(exc).__name__)
        return Refused({"message": "unavailable", "detail": "try again shortly"})

    async def disconnect(self, sid: str, *args: Any) -> None:
        caller = self.callers.pop(sid, None)
        self.tokens.pop(sid, None)
        self.budgets.pop(sid, None)
        if caller is not None and caller.id is not None:
            with contextlib.suppress(Exception):  # the TTL cleans up if Redis is away
                await presence.mark_offline(self.resources.redis, caller.id, sid)

    def _keep_presence(self) -> None:
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_presence())
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch_revocations())

    async def _refresh_presence(self) -> None:
        while self.callers:
            await asyncio.sleep(self.ttl / 3)
            sockets = [(c.id, sid) for sid, c in list(self.callers.items()) if c.id is not None]
            try:
                await presence.refresh(self.resources.redis, sockets, self.ttl)
            except Exception as exc:
                log.warning("presence_refresh_failed", error=type(exc).__name__)
            await self._end_stale_sockets()

    async def _watch_revocations(self) -> None:
        """While sockets are open here, end those of a revoked token (a logout, a password
        reset, a deactivation) as soon as the revocation is announced: until then they
        still received every message of their conversations."""
        while self.callers:
            try:
                pubsub = self.resources.redis.pubsub()
                try:
                    await pubsub.subscribe(REVOCATIONS_CHANNEL)
                    while self.callers:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            await self._end_stale_sockets(self._concerned(message["data"]))
                finally:
                    await pubsub.aclose()
            except Exception as exc:  # Redis away: the periodic check still runs
                log.warning("revocation_watch_failed", error=type(exc).__name__)
                await asyncio.sleep(1.0)

    def _concerned(self, subject: bytes | str) -> list[str]:
        """The sockets here a `user:<id>` or `session:<id>` announcement may concern."""
        kind, _, value = (subject.decode() if isinstance(subject, bytes) else subject).partition(
            ":"
        )
        field = {"user": "user_id", "session": "session_id"}.get(kind)
        return [
            sid for sid, claims in self.tokens.items() if field and getattr(claims, field) == value
        ]

    async def _is_stale(self, claims: AccessClaims) -> bool:
        if claims.expires_at <= time.time():
            return True
        try:
            return await is_revoked(self.resources.redis, self.resources.db, claims)
        except Exception as exc:
            log.warning("socket_revocation_check_failed", error=type(exc).__name__)
            return False

    async def _end_stale_sockets(self, sids: list[str] | None = None) -> None:
        """A socket lives no longer than the access token it connected with, nor past a
        revocation (password reset, deactivation): clients reconnect with a fresh token."""
        for sid in list(self.tokens) if sids is None else sids:
            claims = self.tokens.get(sid)
            if claims is not None and await self._is_stale(claims):
                await self.sio.disconnect(sid)

    async def _still_valid(self, sid: str) -> None:
        """Checked at every event, so a socket whose token was revoked acts no more even if
        the announcement was missed: the event is refused, and the socket ended once the
        refusal is out."""
        claims = self.tokens.get(sid)
        if claims is None or not await self._is_stale(claims):
            return
        loop = asyncio.get_running_loop()

        def end() -> None:
            task = loop.create_task(self.sio.disconnect(sid))
            self._endings.add(task)
            task.add_done_callback(self._endings.discard)

        loop.call_later(END_AFTER_REFUSAL_SECONDS, end)
        raise errors.Unauthenticated("the session has ended; sign in again")

    # --- events -------------------------------------------------------------------------
    # Each takes `data` optionally: python-socketio calls a handler with the payload the
    # client sent, none at all when it sent none, and a handler that then fails on its
    # arguments sends no acknowledgement (the client waits out its timeout). Without data
    # an event is refused like one without its fields (422).

    def caller(self, sid: str) -> Actor:
        caller = self.callers.get(sid)
        if caller is None:
            raise errors.Unauthenticated("not connected")
        return caller

    def _spend(self, sid: str) -> None:
        now = time.monotonic()
        started, used = self.budgets.get(sid, (now, 0))
        if now - started >= WINDOW_SECONDS:
            started, used = now, 0
        if used >= self.events_per_window:
            retry = max(1, round(WINDOW_SECONDS - (now - started)))
            raise errors.RateLimited("too many events; slow down", retry_after=retry)
        self.budgets[sid] = (started, used + 1)

    async def _in_conversation(self, sid: str, conversation_id: Any) -> str:
        """The conversation id once this socket is in its room; only participants get in.
        Every client event passes here, so this is also where a socket's budget is spent
        and its token checked."""
        self._spend(sid)
        await self._still_valid(sid)
        if not isinstance(conversation_id, str) or not conversation_id:
            raise errors.InvalidInput("is required", field="conversation_id")
        if conversation_room(conversation_id) not in self.sio.rooms(sid):
            doc = await conversation_for(self.resources.db, self.caller(sid), conversation_id)
            conversation_id = str(doc["_id"])  # the room's spelling of the id
            await self.sio.enter_room(sid, conversation_room(conversation_id))
        return conversation_id

    async def conversation_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        try:
            conversation_id = await self._in_conversation(sid, _field(data, "conversation_id"))
        except errors.DomainError as exc:
            return refusal(exc)
        return {"ok": True, "conversation_id": conversation_id}

    async def message_send(self, sid: str, data: Any = None) -> dict[str, Any]:
        resources = self.resources
        try:
            conversation_id = await self._in_conversation(sid, _field(data, "conversation_id"))
            message, _ = await send_message(
                resources.mongo, resources.db, self.caller(sid), conversation_id,
                _field(data, "text"),
            )  # fmt: skip
        except errors.DomainError as exc:
            return refusal(exc)
        await self.realtime.message_new(message, skip_sid=sid)
        return message_view(message)

    async def message_read(self, sid: str, data: Any = None) -> dict[str, Any]:
        resources = self.resources
        try:
            conversation_id = await self._in_conversation(sid, _field(data, "conversation_id"))
            state = await mark_read(
                resources.mongo, resources.db, self.caller(sid), conversation_id,
                _field(data, "message_id"),
            )  # fmt: skip
        except errors.DomainError as exc:
            return refusal(exc)
        await self.realtime.message_read(state)
        return {"ok": True, **state}

    async def _typing(self, sid: str, data: Any, typing: bool) -> dict[str, Any]:
        try:
            conversation_id = await self._in_conversation(sid, _field(data, "conversation_id"))
            caller_id = self.caller(sid).id
            if typing:  # no one types where no message may be sent (an ended care)
                doc = await conversation_for(self.resources.db, self.caller(sid), conversation_id)
                await require_care_to_write(self.resources.db, doc)
        except errors.DomainError as exc:
            return refusal(exc)
        assert caller_id is not None
        await self.realtime.typing(conversation_id, caller_id, typing, skip_sid=sid)
        return {"ok": True}

    async def typing_start(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._typing(sid, data, True)

    async def typing_stop(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._typing(sid, data, False)
