"""Reading the SMTP sink: the `.eml` files the embedded mail server writes."""

from __future__ import annotations

import email
import re
import time
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def messages_to(data_dir: Path, recipient: str) -> list[EmailMessage]:
    """Every message the sink holds for `recipient`, oldest first."""
    found = []
    for path in sorted((data_dir / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        if recipient.lower() in str(message.get("To", "")).lower():
            found.append(message)
    return found


def wait_for_email(
    data_dir: Path, recipient: str, *, count: int = 1, timeout: float = 30.0
) -> EmailMessage:
    """The `count`-th message for `recipient`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while True:
        found = messages_to(data_dir, recipient)
        if len(found) >= count:
            return found[count - 1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no email #{count} for {recipient} within {timeout}s")
        time.sleep(0.1)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The first link to `path` (e.g. "/verify-email") in the message's text."""
    match = re.search(r"https?://\S+" + re.escape(path) + r"\?\S+", body_text(message))
    assert match, f"no {path} link in: {body_text(message)!r}"
    return match.group(0)


def token_in(message: EmailMessage, path: str) -> str:
    return parse_qs(urlparse(link_in(message, path)).query)["token"][0]
