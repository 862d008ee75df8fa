"""A MongoDB update whose request is on the wire before the next step runs.

pymongo sends a command and waits for its reply in one call. The email commit needs another
order: the update's request handed to the kernel, then the SMTP end-of-data marker handed
to the kernel, then the update's reply read. A process killed at any instant then leaves
both requests out (the kernel flushes what was handed to it, and the database applies a
request it received whatever became of the sender) or neither, except for the moment
between the two sends on one thread: microseconds, instead of the database's whole round
trip (about 2 ms mean and 16 ms at p99 on the embedded store under load) during which the
update was applied but the marker not yet sent.

This uses pymongo's connection checkout and OP_MSG framing directly: internal interfaces,
held still by the pinned pymongo range and exercised by every email the tests deliver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pymongo import message
from pymongo.collection import Collection
from pymongo.errors import WriteError
from pymongo.helpers_shared import _check_command_response


def update_one_around(
    collection: Collection[Any],
    filter_: Mapping[str, Any],
    update: Mapping[str, Any],
    between: Callable[[], None],
) -> int:
    """Send `update_one(filter_, update)`, run `between`, then read the reply.

    Returns the number of documents modified (0 or 1). `between` runs once the request is
    in the kernel's send buffer and before the database's answer is known; if it raises,
    the reply is still read (the update may well have been applied) and the error goes on.
    """
    database = collection.database
    command: dict[str, Any] = {
        "update": collection.name,
        "ordered": True,
        "updates": [{"q": dict(filter_), "u": dict(update), "multi": False, "upsert": False}],
    }
    with database.client._conn_for_writes(None, "update") as conn:
        request_id, data, _size, max_doc_size = message._op_msg(
            0, command, database.name, None, collection.codec_options,
            ctx=conn.compression_context,
        )  # fmt: skip
        conn.send_message(data, max_doc_size)
        try:
            between()
        finally:
            reply = conn.receive_message(request_id)
        answer = reply.command_response(collection.codec_options)
        _check_command_response(answer, conn.max_wire_version)
    if answer.get("writeErrors"):
        error = answer["writeErrors"][0]
        raise WriteError(error.get("errmsg", "write error"), error.get("code"), error)
    return int(answer.get("nModified", 0))
