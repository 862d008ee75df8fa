"""Outgoing mail with the `emails` library over SMTP, recording the delivery at end-of-data.

Once the whole message has been transmitted, `send_committed` hands the commit hook the
final `.` line still to send (`EndOfData`; it asks the server to accept the message). The
hook puts its record of the delivery on the wire, sends the `.` right after, then checks
the record's answer (see `infra/pipelined_write.py`). If the hook fails before sending the
`.`, or the process dies before it, the server never receives the end marker and drops the
message; once both are out, the message is delivered and recorded whatever happens next.
That turns "did the crash happen before or after the send?" into "did the commit go out?",
which the database answers.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

import emails
from email_validator import EmailNotValidError, validate_email
from emails.backend.smtp.backend import SMTPBackend
from emails.backend.smtp.client import SMTPClientWithResponse, SMTPClientWithResponse_SSL
from emails.utils import sanitize_email

from config.settings import MailSettings
from infra.mail_errors import AddressNotAccepted

__all__ = ["AddressNotAccepted", "CommitRefused", "DeliveryUnconfirmed", "send_committed"]


class CommitRefused(Exception):
    """The commit hook declined: the message must not be delivered."""


class DeliveryUnconfirmed(Exception):
    """The whole message and its end marker went out, but an answer never came: the relay's
    (the connection dropped or timed out; the commit recorded the delivery), or, raised by
    a commit hook, the store's to the record itself. A relay holding the end marker takes
    the message (RFC 1047): it counts as delivered and must not be sent again, which is
    what the library's retry on disconnect, or a retry of the job, would do."""


@dataclass
class EndOfData:
    """The end-of-data marker still to send on an SMTP connection. The commit hook records
    the delivery and then sends it (`send`, or any code that writes `data` to `socket` and
    sets `sent`), with nothing that waits in between."""

    socket: Any
    data: bytes
    sent: bool = False

    def send(self) -> None:
        self.socket.sendall(self.data)
        self.sent = True


CommitHook = Callable[[EndOfData], None]


def _no_commit(end: EndOfData) -> None:
    end.send()


class _EndOfDataCommit(smtplib.SMTP):
    """What the plain and the TLS connection classes share: the commit hook at end-of-data,
    and TCP_NODELAY, so that the end marker leaves as soon as it is written instead of
    waiting (Nagle's algorithm) for the server to acknowledge the body, about 40 ms a
    message on loopback."""

    parent: Any

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        return self._send_data(msg)

    def sendmail(  # type: ignore[override]
        self,
        from_addr: str,
        to_addrs: list[str] | str,
        msg: bytes,
        mail_options: list[str] | None = None,
        rcpt_options: list[str] | None = None,
    ) -> Any:
        if mail_options or not (to_addrs and self.does_esmtp and self.has_extn("pipelining")):
            return super().sendmail(
                from_addr, to_addrs, msg, mail_options or [], rcpt_options or []
            )
        return self._sendmail_pipelined(from_addr, to_addrs, msg, rcpt_options or [])

    def _sendmail_pipelined(
        self, from_addr: str, to_addrs: list[str] | str, msg: bytes, rcpt_options: list[str]
    ) -> Any:
        """The library's `sendmail`, with MAIL, RCPT and DATA sent in one write and their
        replies read after (RFC 2920, where the server offers PIPELINING): one round trip
        to the relay before the message instead of two plus one per recipient."""
        response = self.make_response()  # type: ignore[attr-defined]
        response.from_addr = sanitize_email(from_addr)
        response.esmtp_opts = [f"size={len(msg)}"] if self.has_extn("size") else []
        response.to_addrs = [sanitize_email(a) for a in _as_list(to_addrs)]
        response.rcpt_options = list(rcpt_options)
        response.refused_recipients = {}
        sender = f"FROM:{smtplib.quoteaddr(response.from_addr)}"
        self.send(
            _command("mail", sender, response.esmtp_opts)
            + "".join(
                _command("rcpt", f"TO:{smtplib.quoteaddr(a)}", rcpt_options)
                for a in response.to_addrs
            )
            + _command("data")
        )
        mail_code, mail_reply = self.getreply()
        response.set_status("mail", mail_code, mail_reply)
        for address in response.to_addrs:
            code, reply = self.getreply()
            response.set_status("rcpt", code, reply, recipient=address)
            if code not in (250, 251):
                response.refused_recipients[address] = (code, reply)
        data_code, data_reply = self.getreply()

        problem: Exception | None = None
        if mail_code != 250:
            problem = smtplib.SMTPSenderRefused(mail_code, mail_reply, response.from_addr)
        elif len(response.refused_recipients) == len(response.to_addrs):
            problem = smtplib.SMTPRecipientsRefused(response.refused_recipients)
        elif data_code != 354:
            problem = smtplib.SMTPDataError(data_code, data_reply)
        if problem is not None:
            if data_code == 354:
                # A server that accepts DATA after refusing the sender or every recipient:
                # leave without ending the data, which it then discards.
                self.close()
            else:
                self._rset()  # type: ignore[attr-defined]
            response.set_exception(problem)
            return response

        code, reply = self._send_data(msg)
        response.set_status("data", code, reply)
        if code != 250:
            self._rset()  # type: ignore[attr-defined]
            response.set_exception(smtplib.SMTPDataError(code, reply))
            return response
        response._finished = True
        return response

    def _send_data(self, msg: Any) -> tuple[int, bytes]:
        """After the server's 354: the body, then the commit hook sends the end marker."""
        body = msg if isinstance(msg, bytes) else str(msg).encode()
        body = re.sub(rb"(?m)^\.", b"..", body)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body)
        end = EndOfData(self.sock, b".\r\n")
        try:
            self.parent.commit_at_end_of_data(end)
            if not end.sent:
                raise CommitRefused("the commit hook did not end the message")
        except BaseException:
            if not end.sent:
                self.close()  # the server discards a message whose data never ended
            raise
        try:
            return self.getreply()
        except smtplib.SMTPServerDisconnected as lost:
            raise DeliveryUnconfirmed(str(lost)) from lost


def _command(verb: str, argument: str = "", options: list[str] | None = None) -> str:
    """One command line as smtplib's `putcmd` writes it, refusing line breaks alike."""
    line = " ".join([verb, argument, *(options or [])]).strip()
    if "\r" in line or "\n" in line:
        raise ValueError("command and arguments contain prohibited newline characters")
    return f"{line}\r\n"


def _as_list(addresses: list[str] | str) -> list[str]:
    return list(addresses) if isinstance(addresses, list | tuple) else [addresses]


class _CommitAtEndOfData(_EndOfDataCommit, SMTPClientWithResponse):
    """smtp:// and smtp+starttls://."""

    def __init__(self, *, tls_context: ssl.SSLContext | None, **kwargs: Any) -> None:
        self._tls_context = tls_context
        super().__init__(**kwargs)

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        # smtplib's own default context checks neither the certificate nor the host name.
        return super().starttls(context=self._tls_context)


class _CommitAtEndOfDataTLS(_EndOfDataCommit, SMTPClientWithResponse_SSL):
    """smtps://, with a verifying context (the library's default checks nothing)."""

    def __init__(self, *, tls_context: ssl.SSLContext, **kwargs: Any) -> None:
        names = ("host", "port", "local_hostname", "timeout")
        smtplib.SMTP_SSL.__init__(
            self, context=tls_context, **{k: kwargs[k] for k in names if k in kwargs}
        )
        SMTPClientWithResponse.__init__(self, **kwargs)


class _CommittingBackend(SMTPBackend):
    # They take one more keyword (`tls_context`), which smtp_options always passes.
    connection_cls = _CommitAtEndOfData  # type: ignore[assignment]
    connection_ssl_cls = _CommitAtEndOfDataTLS  # type: ignore[assignment]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fail_silently=False, **kwargs)
        self.commit_at_end_of_data: CommitHook = _no_commit


def smtp_options(settings: MailSettings) -> dict[str, Any]:
    url = urlparse(settings.smtp_url)
    encrypted = url.scheme in ("smtps", "smtp+starttls")
    options: dict[str, Any] = {
        "host": url.hostname or "localhost",
        "port": url.port or (465 if url.scheme == "smtps" else 25),
        "timeout": 10,
        "ssl": url.scheme == "smtps",
        # Only where it is used: loading the system's CA bundle costs tens of milliseconds
        # of CPU, once per worker thread.
        "tls_context": (
            ssl.create_default_context(cafile=settings.smtp_ca_file) if encrypted else None
        ),
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


def envelope_address(address: str) -> tuple[str, list[str]]:
    """The recipient as the relay is given it, and the MAIL options that takes.

    Sign-up accepts internationalized addresses. One whose domain alone is not ASCII goes
    out under the domain's ASCII (IDNA) form, which any relay takes; one whose local part is
    not ASCII can only go with SMTPUTF8 (RFC 6531). Sent as typed, either made smtplib
    fail to encode the command, on every retry."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address, []  # the relay will say what it thinks of it
    if checked.ascii_email:
        return checked.ascii_email, []
    return checked.normalized, ["SMTPUTF8"]


def send_committed(
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
    commit: CommitHook = _no_commit,
) -> None:
    """Send one message; `commit(end)` records the delivery and must send `end` (see
    `EndOfData`) right after its record is on the wire. Raises on any failure (after which
    the record may or may not have been written)."""
    message = emails.html(
        html=html,
        text=text,
        subject=subject,
        mail_from=settings.mail_from,
        message_id=message_id,
        headers=headers or {},
    )
    recipient, mail_options = envelope_address(to)
    backend = _backend(settings)
    backend.commit_at_end_of_data = commit
    try:
        response = message.send(to=recipient, smtp=backend, smtp_mail_options=mail_options)
    except smtplib.SMTPNotSupportedError as unsupported:
        backend.close()
        raise AddressNotAccepted(str(unsupported)) from unsupported
    except BaseException:
        backend.close()
        raise
    finally:
        backend.commit_at_end_of_data = _no_commit
    if response is None or not response.success:
        backend.close()
        raise RuntimeError(f"SMTP refused the message: {getattr(response, 'error', None)}")
