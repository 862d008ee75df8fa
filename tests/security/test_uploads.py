"""A corpus of hostile files against the profile photo and the medical documents.

Each file is either refused (413, 415 or 422) or neutralised: stored under a key the server
makes (never the name sent), typed by its bytes, served only through a signed URL as an
attachment named by the server; what a scanner must judge is marked rejected by the real
worker's `records.scan_document`. Nothing is a server error.
"""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from bson import ObjectId
from PIL import Image

from domain.profiles.photos import MAX_PHOTO_BYTES
from domain.records.documents import MAX_DOCUMENT_BYTES
from domain.records.scanning import EICAR
from tests.security.world import World

REFUSED = (413, 415, 422)
PHOTO = "/api/v1/users/me/photo"
DOCUMENTS = "/api/v1/documents"


def _png(size: tuple[int, int] = (16, 16), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header claiming side x side pixels of 1 bit, with a tiny compressed body."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * (side // 8)
    body = zlib.compressobj(9)
    compressed = b"".join(body.compress(row) for _ in range(64)) + body.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", compressed)
        + _chunk(b"IEND", b"")
    )


def _zip(files: dict[str, bytes], level: int = 9) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _exactly(prefix: bytes, size: int) -> bytes:
    return prefix + b"\x00" * (size - len(prefix))


def _noise_png(size: int) -> bytes:
    """A readable PNG of exactly `size` bytes (random pixels, padded after IEND)."""
    import random

    rng = random.Random(7)
    side = 1280
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    data = out.getvalue()
    assert len(data) <= size, len(data)
    return data + b"\x00" * (size - len(data))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 64
ZIP_BOMB = _zip({f"part{i}.txt": b"\x00" * (10 * 1024 * 1024) for i in range(10)})
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
PHP = b"<?php system($_GET['cmd']); ?>"


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    filename: str
    declared: str
    photo: str  # "refused" | "neutralised" | "skip"  (refused: 413, 415 or 422)
    document: str  # "refused" | "neutralised" | "rejected by scan" | "skip"


CORPUS = [
    Hostile("ELF renamed .pdf", ELF, "report.pdf", "application/pdf", "refused", "refused"),
    Hostile("PE renamed .png", PE, "me.png", "image/png", "refused", "refused"),
    Hostile("PE renamed .exe", PE, "setup.exe", "application/x-msdownload", "refused", "refused"),
    Hostile("PHP in .jpg", PHP, "shell.jpg", "image/jpeg", "refused", "refused"),
    Hostile(
        "PHP behind a JPEG signature",
        b"\xff\xd8\xff\xe0" + PHP,
        "shell.php.jpg",
        "image/jpeg",
        "refused",
        "neutralised",
    ),
    Hostile("HTML in .png", HTML, "page.png", "image/png", "refused", "refused"),
    Hostile("HTML as text/html", HTML, "page.html", "text/html", "refused", "refused"),
    Hostile("JS in .jpg", b"alert(document.domain)//", "x.jpg", "image/jpeg", "refused", "refused"),
    Hostile("SVG with script", SVG, "me.svg", "image/svg+xml", "refused", "refused"),
    Hostile("SVG named .png", SVG, "me.png", "image/png", "refused", "refused"),
    Hostile("GIF", _gif(), "anim.gif", "image/gif", "refused", "refused"),
    Hostile(
        "PDF then HTML polyglot",
        PDF + HTML,
        "poly.pdf",
        "application/pdf",
        "refused",
        "neutralised",
    ),
    Hostile(
        "PDF signature then HTML declared text/html",
        b"%PDF-" + HTML,
        "poly.html",
        "text/html",
        "refused",
        "neutralised",
    ),
    Hostile(
        "JPEG header then zip",
        b"\xff\xd8\xff\xe0" + _zip({"a.txt": b"x"}),
        "poly.jpg",
        "image/jpeg",
        "refused",
        "neutralised",
    ),
    Hostile(
        "real JPEG then zip",
        _jpeg() + _zip({"evil.php": PHP}),
        "poly2.jpg",
        "image/jpeg",
        "neutralised",
        "neutralised",
    ),
    Hostile("EICAR alone", EICAR, "eicar.pdf", "application/pdf", "refused", "refused"),
    Hostile(
        "EICAR inside a PDF",
        PDF + EICAR,
        "eicar2.pdf",
        "application/pdf",
        "refused",
        "rejected by scan",
    ),
    Hostile("zip bomb", ZIP_BOMB, "bomb.zip", "application/zip", "refused", "refused"),
    Hostile("zip bomb named .pdf", ZIP_BOMB, "bomb.pdf", "application/pdf", "refused", "refused"),
    Hostile(
        "decompression-bomb PNG", _png_bomb(), "huge.png", "image/png", "refused", "neutralised"
    ),
    Hostile("truncated PNG", _png()[:40], "cut.png", "image/png", "refused", "neutralised"),
    # Every pixel is there: only the end-of-image marker is missing.
    Hostile(
        "JPEG without its end", _jpeg()[:-2], "cut.jpg", "image/jpeg", "refused", "neutralised"
    ),
    # Every pixel is there: only the end chunk's checksum is cut short.
    Hostile(
        "PNG without its end", _png()[:-2], "cut-end.png", "image/png", "refused", "neutralised"
    ),
    Hostile("empty file", b"", "empty.pdf", "application/pdf", "refused", "refused"),
    Hostile(
        "path traversal name",
        _png(),
        "../../../../etc/passwd.png",
        "image/png",
        "neutralised",
        "neutralised",
    ),
    Hostile(
        "absolute Windows path name",
        _png(),
        "C:\\Windows\\system32\\x.png",
        "image/png",
        "neutralised",
        "neutralised",
    ),
    Hostile(
        "control characters in name",
        _png(),
        "a\r\nContent-Type: text/html\x00.png",
        "image/png",
        "neutralised",
        "neutralised",
    ),
    Hostile(
        # Its multipart header outgrows the parser's limit.
        "very long name",
        _png(),
        "a" * 5000 + ".png",
        "image/png",
        "refused",
        "refused",
    ),
    Hostile("long name", _png(), "b" * 900 + ".png", "image/png", "neutralised", "neutralised"),
    Hostile(
        "unicode and RTL override in name",
        _png(),
        "photo\u202egnp.exe",
        "image/png",
        "neutralised",
        "neutralised",
    ),
    Hostile(
        "wrong declared type", _png(), "me.png", "application/x-sh", "neutralised", "neutralised"
    ),
    Hostile("PDF declared image/png", PDF, "doc.png", "image/png", "refused", "neutralised"),
]
SIZES = [
    Hostile("photo at exactly the limit", _noise_png(MAX_PHOTO_BYTES), "big.png", "image/png",
            "neutralised", "skip"),
    Hostile("photo one byte over the limit", _noise_png(MAX_PHOTO_BYTES + 1), "big.png",
            "image/png", "refused", "skip"),
    Hostile("document at exactly the limit", _exactly(PDF, MAX_DOCUMENT_BYTES), "big.pdf",
            "application/pdf", "skip", "neutralised"),
    Hostile("document one byte over the limit", _exactly(PDF, MAX_DOCUMENT_BYTES + 1), "big.pdf",
            "application/pdf", "skip", "refused"),
]  # fmt: skip
ALL = CORPUS + SIZES


def _no_client_name(value: str, filename: str) -> None:
    """The stored key names nothing the client sent (its distinctive parts, at least)."""
    stem = filename.rsplit(".", 1)[0]
    parts = {"passwd", "system32", "gnp.exe", "Content-Type", "..", "\\", "\x00", "\r"}
    if len(stem) >= 5:
        parts.add(stem[:12])
    for part in parts:
        if part in filename:
            assert part not in value, (part, value)


@pytest.mark.parametrize("item", [h for h in ALL if h.photo != "skip"], ids=lambda h: h.name)
async def test_photo(item: Hostile, module_client, world: World, module_db) -> None:
    person = world.b.patient
    response = await module_client.put(
        PHOTO,
        files={"file": (item.filename, io.BytesIO(item.data), item.declared)},
        headers=person.headers,
    )
    assert response.status_code < 500, response.text
    if item.photo == "refused":
        assert response.status_code in REFUSED, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return
    assert response.status_code == 200, response.text
    url = urlparse(response.json()["photo_url"])
    key = url.path
    assert "/photos/" in key and key.endswith((".png", ".jpg", ".webp")), key
    _no_client_name(key, item.filename)
    assert "X-Amz-Expires" in url.query or "Expires" in url.query
    stored = await module_db.photos.find_one({"user_id": person.id}, sort=[("created_at", -1)])
    assert stored["content_type"] in ("image/png", "image/jpeg", "image/webp")


async def _upload(client: Any, world: World, item: Hostile) -> Any:
    return await client.post(
        DOCUMENTS,
        files={"file": (item.filename, io.BytesIO(item.data), item.declared)},
        data={"patient_id": world.a.patient.id, "title": "Upload", "category": "other"},
        headers=world.a.doctor.headers,
    )


@pytest.mark.parametrize("item", [h for h in ALL if h.document != "skip"], ids=lambda h: h.name)
async def test_document(item: Hostile, module_client, world: World, module_db) -> None:
    response = await _upload(module_client, world, item)
    assert response.status_code < 500, response.text
    if item.document == "refused":
        assert response.status_code in REFUSED, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["content_type"] in ("application/pdf", "image/png", "image/jpeg")
    assert document["status"] == "pending_scan"
    assert item.filename not in response.text
    stored = await module_db.documents.find_one({"_id": ObjectId(document["id"])})
    _no_client_name(stored["storage_key"], item.filename)
    assert item.filename not in str(stored)


@pytest.mark.e2e
@pytest.mark.timeout(120)
async def test_the_scan_worker_rejects_eicar_and_serves_clean_files_as_attachments(
    module_client, world: World, module_db, module_platform
) -> None:
    client = module_client
    eicar = await _upload(client, world, next(h for h in CORPUS if h.name == "EICAR inside a PDF"))
    polyglot = await _upload(
        client, world, next(h for h in CORPUS if h.name == "PDF then HTML polyglot")
    )
    assert eicar.status_code == polyglot.status_code == 201
    module_platform.start("worker")
    ids = {"eicar": eicar.json()["id"], "polyglot": polyglot.json()["id"]}
    statuses: dict[str, str] = {}
    for _ in range(120):
        for label, doc_id in ids.items():
            got = await client.get(f"{DOCUMENTS}/{doc_id}", headers=world.a.doctor.headers)
            statuses[label] = got.json()["status"]
        if "pending_scan" not in statuses.values():
            break
        await asyncio.sleep(0.5)
    assert statuses == {"eicar": "rejected", "polyglot": "available"}, statuses

    refused = await client.get(
        f"{DOCUMENTS}/{ids['eicar']}/download", headers=world.a.doctor.headers
    )
    assert refused.status_code in (404, 409, 410), refused.text
    stored = await module_db.documents.find_one({"_id": ObjectId(ids["eicar"])})
    assert stored["status"] == "rejected"

    served = await client.get(
        f"{DOCUMENTS}/{ids['polyglot']}/download", headers=world.a.patient.headers
    )
    assert served.status_code == 200, served.text
    query = parse_qs(urlparse(served.json()["url"]).query)
    disposition = query["response-content-disposition"][0]
    assert disposition == f'attachment; filename="{ids["polyglot"]}.pdf"'
