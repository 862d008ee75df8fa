"""A MongoDB update whose request is on the wire before the next step runs.

pymongo sends a command and waits for its reply in one call. The email commit needs another
order: the update's request handed to the kernel, then the SMTP end-of-data marker handed
to the kernel, then the update's reply read. A process killed at any instant then leaves
both requests out (the kernel flushes what was handed to it, and the database applies a
request it received whatever became of the sender) or neither, except for the moment
between the two sends on one thread: microseconds, instead of the database's whole round
trip (about 2 ms mean and 16 ms at p99 on the embedded store under load) during which the
update was applied but the marker not yet sent.

On plaintext connections both are handed to the kernel without letting go of the GIL (a
libc `send` through ctypes): Python's own socket calls release it, and getting it back
can take a thread switch interval while other threads run, which would widen the gap to a
fraction of a millisecond. Over TLS the bytes must go through the TLS layer, so the
ordinary send is used there.

This uses pymongo's connection checkout and OP_MSG framing directly: internal interfaces,
held still by the pinned pymongo range and exercised by every email the tests deliver.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
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
_NO_SIGPIPE = getattr(socket, "MSG_NOSIGNAL", 0)


def _hand_to_kernel(sock: Any, data: bytes) -> None:
    if _SEND_KEEPING_GIL is not None and type(sock) is socket.socket:
        sent = _SEND_KEEPING_GIL(sock.fileno(), data, len(data), _NO_SIGPIPE)
        if sent == len(data):
            return
        data = data[max(sent, 0) :]  # a full buffer or an error: the ordinary path says which
    sock.sendall(data)


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
        try:
            _hand_to_kernel(getattr(conn.conn, "get_conn", conn.conn), data)
        except BaseException as failure:
            conn._raise_connection_failure(failure)  # closes the connection, raises
        try:
            _hand_to_kernel(trailer.socket, trailer.data)
            trailer.sent = True
        finally:
            reply = conn.receive_message(request_id)
        answer = reply.command_response(collection.codec_options)
        _check_command_response(answer, conn.max_wire_version)
    if answer.get("writeErrors"):
        error = answer["writeErrors"][0]
        raise WriteError(error.get("errmsg", "write error"), error.get("code"), error)
    return int(answer.get("nModified", 0))
