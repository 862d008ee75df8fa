"""Outgoing mail with the `emails` library over SMTP, committing just before end-of-data.

`send_committed` calls `commit()` after the whole message has been transmitted but before
the final `.` line that asks the server to accept it. If `commit` fails (or the process
dies before it returns) the server never receives the end marker and drops the message;
once it has returned, the marker goes out at once. That turns "did the crash happen
before or after the send?" into "did the commit happen?", which is recorded in MongoDB.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlparse

import emails
from emails.backend.smtp.backend import SMTPBackend
from emails.backend.smtp.client import SMTPClientWithResponse

from config.settings import MailSettings


class CommitRefused(Exception):
    """The commit hook declined: the message must not be delivered."""


class _CommitBeforeEndOfData(SMTPClientWithResponse):
    def data(self, msg: Any) -> tuple[int, bytes]:
        import smtplib

        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        # The end marker goes out as a separate small write, which Nagle's algorithm holds
        # until the server acknowledges the body (~40 ms on loopback). TCP_NODELAY would
        # save that, but measured under kill -9 it made crashes land between the commit
        # and the marker's write far more often (lost emails); exactly once wins.
        body = msg if isinstance(msg, bytes) else str(msg).encode()
        body = re.sub(rb"(?m)^\.", b"..", body)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body)
        try:
            self.parent.before_end_of_data()
        except BaseException:
            self.close()  # the server discards a message whose data never ended
            raise
        self.send(b".\r\n")
        return self.getreply()


class _CommittingBackend(SMTPBackend):
    connection_cls = _CommitBeforeEndOfData

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fail_silently=False, **kwargs)
        self.before_end_of_data: Callable[[], None] = lambda: None


def smtp_options(settings: MailSettings) -> dict[str, Any]:
    url = urlparse(settings.smtp_url)
    options: dict[str, Any] = {
        "host": url.hostname or "localhost",
        "port": url.port or (465 if url.scheme == "smtps" else 25),
        "timeout": 10,
        "ssl": url.scheme == "smtps",
    }
    if url.username:
        options["user"] = unquote(url.username)
        options["password"] = unquote(url.password or "")
    if url.scheme == "smtp+starttls":
        options["tls"] = True
    return options


_local = threading.local()


def _backend(settings: MailSettings) -> _CommittingBackend:
    """One SMTP connection per worker thread, reused across messages."""
    key = settings.smtp_url
    backend = getattr(_local, "backend", None)
    if backend is None or getattr(_local, "key", None) != key:
        backend = _CommittingBackend(**smtp_options(settings))
        _local.backend, _local.key = backend, key
    return backend


def send_committed(
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
    commit: Callable[[], None],
) -> None:
    """Send one message; raises on any failure (after which `commit` may or may not have run)."""
    message = emails.html(
        html=html,
        text=text,
        subject=subject,
        mail_from=settings.mail_from,
        message_id=message_id,
        headers=headers or {},
    )
    backend = _backend(settings)
    backend.before_end_of_data = commit
    try:
        response = message.send(to=to, smtp=backend)
    except BaseException:
        backend.close()
        raise
    finally:
        backend.before_end_of_data = lambda: None
    if response is None or not response.success:
        backend.close()
        raise RuntimeError(f"SMTP refused the message: {getattr(response, 'error', None)}")
