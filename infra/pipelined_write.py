"""A MongoDB update whose request is on the wire before the next step runs.

pymongo sends a command and waits for its reply in one call. The email commit needs another
order: the update's request handed to the kernel, then the SMTP end-of-data marker handed
to the kernel, then the update's reply read. A process killed at any instant then leaves
both requests out (the kernel flushes what was handed to it, and the database applies a
request it received whatever became of the sender) or neither, except for the moment
between the two sends on one thread: a few microseconds, instead of the database's whole
round trip (about 2 ms mean and 16 ms at p99 on the embedded store under load) during
which the update was applied but the marker not yet sent.

That moment cannot be removed: two sockets take two system calls, and a SIGKILL landing
between them (or a machine dying) leaves the record without the message. It is kept as
short as the kernel allows. Over TCP the update's request is only queued (MSG_MORE: held
back like TCP_CORK, a copy into the socket buffer of about 2 us) and pushed out after the
marker has gone, so the gap does not include the loopback transmit and the wake-up of the
database (4 to 10 us more). A process killed after the marker still transmits the queued
request: closing a socket flushes what it holds.

On plaintext connections both are handed to the kernel without letting go of the GIL (a
libc `send` through ctypes): Python's own socket calls release it, and getting it back
can take a thread switch interval while other threads run, which would widen the gap to a
fraction of a millisecond. Over TLS the bytes must go through the TLS layer, so the
ordinary send is used there.

This uses pymongo's connection checkout and OP_MSG framing directly: internal interfaces,
held still by the pinned pymongo range and exercised by every email the tests deliver.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import socket
import sys
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from pymongo import message
from pymongo.collection import Collection
from pymongo.errors import WriteError
from pymongo.helpers_shared import _check_command_response


def _libc_send() -> Any:
    try:
        libc = ctypes.PyDLL(ctypes.util.find_library("c"), use_errno=True)  # keeps the GIL
        send = libc.send
    except (OSError, AttributeError):
        return None
    send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    send.restype = ctypes.c_ssize_t
    return send


_SEND_KEEPING_GIL = _libc_send()
# Never SIGPIPE, and never block while holding the GIL: a full buffer (a peer that stopped
# reading) returns at once and the rest goes through the ordinary send, which waits
# without the GIL.
_SEND_FLAGS = getattr(socket, "MSG_NOSIGNAL", 0) | getattr(socket, "MSG_DONTWAIT", 0)
_HOLD_BACK = getattr(socket, "MSG_MORE", 0)
_QUIET_SWITCH_SECONDS = 0.1
_ONE_AT_A_TIME = threading.Lock()


def _hand_to_kernel(sock: Any, data: bytes) -> None:
    if _SEND_KEEPING_GIL is not None and type(sock) is socket.socket:
        sent = _SEND_KEEPING_GIL(sock.fileno(), data, len(data), _SEND_FLAGS)
        if sent == len(data):
            return
        data = data[max(sent, 0) :]  # a full buffer or an error: the ordinary path says which
    sock.sendall(data)


def _hand_both_to_kernel(
    first: Any, first_data: bytes, second: Any, second_data: bytes
) -> tuple[int, int]:
    """Both sends back to back where both sockets are plain; returns the bytes of each that
    went out (the rest goes through `_hand_to_kernel`).

    Holding the GIL through a C call is not enough: between two calls the interpreter
    checks whether another thread has asked for it, and hands it over after a switch
    interval, which with the worker's threads busy can stand between the sends for
    milliseconds. So there is no Python function call between them, and while they run the
    switch interval is long, so that threads starting to wait do not ask.
    """
    send = _SEND_KEEPING_GIL
    if send is None or type(first) is not socket.socket or type(second) is not socket.socket:
        return 0, 0
    first_fd, second_fd = first.fileno(), second.fileno()
    first_len, second_len = len(first_data), len(second_data)
    hold_back = _HOLD_BACK if _is_tcp(first) else 0
    # One thread at a time: the switch interval is the process's, and two threads saving
    # and restoring it across each other would leave the long one in place.
    with _ONE_AT_A_TIME:
        interval = sys.getswitchinterval()
        sys.setswitchinterval(_QUIET_SWITCH_SECONDS)
        try:
            sent = send(first_fd, first_data, first_len, _SEND_FLAGS | hold_back)
            if sent != first_len:  # a full buffer or an error: the ordinary path says which
                return max(sent, 0), 0
            return first_len, max(send(second_fd, second_data, second_len, _SEND_FLAGS), 0)
        finally:
            sys.setswitchinterval(interval)
            if hold_back:
                _push(first)


def _is_tcp(sock: socket.socket) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM


def _push(sock: socket.socket) -> None:
    """Transmit what MSG_MORE held back: turning TCP_NODELAY on pushes pending segments
    (pymongo runs its connections with it on, so nothing else changes)."""
    # A closed or failed connection raises here: the reply read that follows reports it.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Trailer(Protocol):
    """Bytes to send on another connection right after the update's request."""

    socket: Any
    data: bytes
    sent: bool


def update_one_then_send(
    collection: Collection[Any],
    filter_: Mapping[str, Any],
    update: Mapping[str, Any],
    trailer: Trailer,
) -> int:
    """Send `update_one(filter_, update)`, then `trailer.data` on `trailer.socket` (setting
    `trailer.sent`), then read the update's reply.

    Returns the number of documents modified (0 or 1). If sending the trailer fails, the
    reply is still read (the update may well have been applied) and the error goes on.
    """
    database = collection.database
    command: dict[str, Any] = {
        "update": collection.name,
        "ordered": True,
        "updates": [{"q": dict(filter_), "u": dict(update), "multi": False, "upsert": False}],
    }
    with database.client._conn_for_writes(None, "update") as conn:
        request_id, data, _size, _max_doc_size = message._op_msg(
            0, command, database.name, None, collection.codec_options,
            ctx=conn.compression_context,
        )  # fmt: skip
        store = getattr(conn.conn, "get_conn", conn.conn)
        request_sent, trailer_sent = _hand_both_to_kernel(store, data, trailer.socket, trailer.data)
        try:
            if request_sent < len(data):  # TLS, a full buffer or an error
                _hand_to_kernel(store, data[request_sent:])
        except BaseException as failure:
            conn._raise_connection_failure(failure)  # closes the connection, raises
        try:
            if trailer_sent < len(trailer.data):
                _hand_to_kernel(trailer.socket, trailer.data[trailer_sent:])
            trailer.sent = True
        finally:
            reply = conn.receive_message(request_id)
        answer = reply.command_response(collection.codec_options)
        _check_command_response(answer, conn.max_wire_version)
    if answer.get("writeErrors"):
        error = answer["writeErrors"][0]
        raise WriteError(error.get("errmsg", "write error"), error.get("code"), error)
    return int(answer.get("nModified", 0))
