"""The embedded document store (nx-27017), with its transactions kept to themselves.

nx-27017 runs every client's commands on one SQLite connection per database and makes a
transaction a plain SQLite transaction on it. A write from any other client while one is
open joins it: aborting the transaction rolls that write back too, although its client was
told it succeeded. (Found as audit records and notifications that vanished: the streams
process wrote them while a web request's transaction was open, and the request then
failed its check and aborted.) A transaction whose client died stays open for good, and
every later write joins it.

So the store is started through this module, which puts a gate in front of nx-27017's
handlers:
- a transaction takes the gate at its first command (`startTransaction`), once no other
  transaction holds it and no write is running, and gives it back when it commits,
  aborts or its session ends;
- a write from anyone else waits while a transaction holds the gate; reads go through
  (they may see what the transaction has written so far, as before);
- a transaction idle for `IDLE_LIMIT_SECONDS` (its client died, or forgot it) is aborted;
  its later commands are answered NoSuchTransaction, as MongoDB answers a transaction it
  timed out, and the driver retries the whole transaction.

The platform's own code already makes transactions take turns
(`domain/shared/transaction.py`); real MongoDB needs none of this.

Run as `python -m config.stack.store_server` with nx-27017's own arguments.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from nx_27017 import handler as nx_handler
from nx_27017.nx_27017 import main as nx_main
from nx_27017.wire_protocol import _extract_session_id

logger = logging.getLogger("esante.store")

# Long enough for any transaction of the platform (milliseconds each, seconds under heavy
# load); short enough that a killed process does not hold every write up for long.
IDLE_LIMIT_SECONDS = 5.0
WRITES = frozenset(
    {
        "insert", "update", "delete", "findAndModify", "findandmodify", "bulkWrite",
        "create", "createIndexes", "drop", "dropIndexes", "dropDatabase", "renameCollection",
    }
)  # fmt: skip
NO_SUCH_TRANSACTION = {
    "ok": 0,
    "code": 251,
    "codeName": "NoSuchTransaction",
    "errmsg": "the transaction was aborted after being idle too long",
    "errorLabels": ["TransientTransactionError"],
}


@dataclass(frozen=True)
class Command:
    name: str
    database: str
    session: str | None
    starts_transaction: bool
    in_transaction: bool  # part of a multi-statement transaction (`autocommit: false`)
    ended_sessions: frozenset[str] = field(default_factory=frozenset)

    @property
    def ends_transaction(self) -> bool:
        return self.name in ("commitTransaction", "abortTransaction")

    @classmethod
    def of(cls, msg: dict[str, Any]) -> Command:
        body: dict[str, Any] = {}
        for kind, doc in msg.get("sections") or ():
            if kind == "body" and isinstance(doc, dict):
                body = doc
                break
        lsid = body.get("lsid")
        ended: set[str] = set()
        if "endSessions" in body:
            for entry in body.get("endSessions") or ():
                sid = _extract_session_id(entry) if isinstance(entry, dict) else None
                if sid:
                    ended.add(sid)
        return cls(
            name=next(iter(body), ""),
            database=body.get("$db", "test") if isinstance(body.get("$db"), str) else "test",
            session=_extract_session_id(lsid) if isinstance(lsid, dict) else None,
            starts_transaction=bool(body.get("startTransaction")),
            in_transaction=body.get("autocommit") is False,
            ended_sessions=frozenset(ended),
        )


class TransactionGate:
    """At most one transaction at a time, and no write from anyone else during it."""

    def __init__(self, abort: Callable[[str, str], None], idle_limit: float) -> None:
        self._abort = abort  # (session, database): aborts that open transaction in the store
        self._idle_limit = idle_limit
        self._changed = threading.Condition()
        self._owner: tuple[str, str] | None = None  # (session, database)
        self._owner_busy = 0  # the owner's commands running now
        self._owner_seen = 0.0  # when the owner's last command ended
        self._writes = 0
        self._expired: set[str] = set()

    @contextmanager
    def admit(self, command: Command) -> Iterator[dict[str, Any] | None]:
        """Waits until `command` may run; yields None, or the reply to send instead of
        running it."""
        role = self._enter(command)
        if role == "refused":
            yield dict(NO_SUCH_TRANSACTION)
            return
        try:
            yield None
        finally:
            self._leave(command, role)

    def _owned_by(self, session: str | None) -> bool:
        return session is not None and self._owner is not None and self._owner[0] == session

    def _enter(self, command: Command) -> str:
        session = command.session
        with self._changed:
            if session is not None and command.starts_transaction:
                self._expired.discard(session)
            elif session in self._expired and (command.in_transaction or command.ends_transaction):
                return "refused"
            if self._owned_by(session):
                self._owner_busy += 1
                return "owner"
            if command.starts_transaction and session is not None:
                self._wait(lambda: self._owner is None and self._writes == 0)
                self._owner, self._owner_busy = (session, command.database), 1
                return "owner"
            if command.name in WRITES:
                self._wait(lambda: self._owner is None)
                self._writes += 1
                return "writer"
            return "reader"

    def _leave(self, command: Command, role: str) -> None:
        with self._changed:
            if role == "writer":
                self._writes -= 1
            elif role == "owner" and self._owned_by(command.session):
                self._owner_busy -= 1
                self._owner_seen = time.monotonic()
                if command.ends_transaction:
                    self._owner = None
            if self._owner is not None and self._owner[0] in command.ended_sessions:
                self._owner = None
            self._changed.notify_all()

    def release_if_not_open(self, session: str | None, still_open: bool) -> None:
        """After a transaction's first command: the store may have refused to open it."""
        with self._changed:
            if self._owned_by(session) and not still_open:
                self._owner = None
                self._changed.notify_all()

    def _wait(self, ready: Callable[[], bool]) -> None:
        while not ready():
            self._changed.wait(0.25)
            self._expire_idle_owner()

    def _expire_idle_owner(self) -> None:
        if self._owner is None or self._owner_busy:
            return
        if time.monotonic() - self._owner_seen < self._idle_limit:
            return
        session, database = self._owner
        logger.warning(
            "transaction of session %s idle for %.0f s: aborted", session, self._idle_limit
        )
        self._abort(session, database)
        self._expired.add(session)
        self._owner = None
        self._changed.notify_all()


def install(idle_limit: float = IDLE_LIMIT_SECONDS) -> None:
    """Puts a gate in front of nx-27017's command handlers (of every handler made
    afterwards). One gate per handler, not per database: drivers send `commitTransaction`
    to `admin`, whatever the database the transaction writes to."""
    handler_class: Any = nx_handler.NeoSQLiteHandler
    gates: dict[int, TransactionGate] = {}
    gates_lock = threading.Lock()

    def gate_of(handler: Any) -> TransactionGate:
        def abort(session_id: str, database: str) -> None:
            with handler._lock_for(database):
                for session in handler._tx_sessions(session_id):
                    session.abort_transaction()

        with gates_lock:
            if id(handler) not in gates:
                gates[id(handler)] = TransactionGate(abort, idle_limit)
            return gates[id(handler)]

    def gated(original: Callable[..., tuple[int, dict[str, Any]]]) -> Callable[..., Any]:
        def run(handler: Any, msg: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            command = Command.of(msg)
            gate = gate_of(handler)
            try:
                with gate.admit(command) as refusal:
                    if refusal is not None:
                        return msg.get("request_id", 0), refusal
                    return original(handler, msg)
            finally:
                if command.starts_transaction:
                    opened = bool(command.session and handler._tx_sessions(command.session))
                    gate.release_if_not_open(command.session, opened)

        return run

    handler_class.handle_command = gated(handler_class.handle_command)
    handler_class.handle_insert = gated(handler_class.handle_insert)


if __name__ == "__main__":
    install()
    nx_main()
