"""What a file is, decided by its first bytes; the name and the declared type are not trusted."""

from __future__ import annotations

ALLOWED: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
}


def sniff(head: bytes) -> str | None:
    """The allowed content type these bytes start with, or None."""
    for content_type, (magic, _) in ALLOWED.items():
        if head.startswith(magic):
            return content_type
    return None


def extension(content_type: str) -> str:
    return ALLOWED[content_type][1]
