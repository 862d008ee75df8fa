"""Profile photos: type decided by the file's bytes, stored under a key the server makes,
shown through a signed URL that expires; a worker job makes a square thumbnail."""

from __future__ import annotations

import asyncio
import io
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from domain.profiles import repository
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, TooLarge, UnsupportedMediaType
from domain.shared.jobs import JobQueue

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Any camera photo fits; more is a decompression bomb (a few KB that decode to gigabytes).
MAX_PHOTO_PIXELS = 25_000_000
THUMBNAIL_PX = 256
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PROCESS_PHOTO = "profiles.process_photo"
REMOVE_PHOTO = "profiles.remove_photo"


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes; never from the name or header sent."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(PNG_SIGNATURE):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


@dataclass(frozen=True)
class PhotoStore:
    """The S3 side. boto3 blocks, so async callers go through a worker thread."""

    s3: Any
    bucket: str
    url_ttl_seconds: int

    def put_sync(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete_sync(self, *keys: str) -> None:
        # Deleting a key that is already gone succeeds: a retried job repeats it safely.
        for key in keys:
            self.s3.delete_object(Bucket=self.bucket, Key=key)

    def get_sync(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def url_sync(self, key: str) -> str:
        return str(
            self.s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=self.url_ttl_seconds,
            )
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self.put_sync, key, data, content_type)

    async def url(self, key: str) -> str:
        # Signing is local computation (no request), cheap enough for the event loop.
        return self.url_sync(key)


async def upload_photo(
    db: Any, store: PhotoStore, jobs: JobQueue, user_id: str, role: str, data: bytes
) -> dict[str, str]:
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if len(data) > MAX_PHOTO_BYTES:
        raise TooLarge(f"a photo is at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    kind = sniff_image(data[:16])
    if kind is None:
        raise UnsupportedMediaType("a photo must be a JPEG, PNG or WebP image")
    content_type, extension = kind
    await asyncio.to_thread(check_image, data)
    photo_id = ObjectId()
    key = f"photos/{user_id}/{uuid.uuid4().hex}.{extension}"
    await store.put(key, data, content_type)
    await db[repository.PHOTOS].insert_one(
        {
            "_id": photo_id,
            "user_id": user_id,
            "key": key,
            "content_type": content_type,
            "size": len(data),
            "thumbnail_key": None,
            "created_at": utcnow(),
        }
    )
    previous = await repository.swap_photo(db, role, user_id, str(photo_id))
    jobs.enqueue(PROCESS_PHOTO, photo_id=str(photo_id))
    if previous:
        # In the background: S3 failures retry there, and the request does not wait.
        jobs.enqueue(REMOVE_PHOTO, photo_id=previous)
    return {"photo_url": await store.url(key)}


async def photo_urls(db: Any, store: PhotoStore, photo_ids: list[str | None]) -> dict[str, str]:
    """Signed URLs by photo id (the thumbnail once made), in one query for a whole page."""
    ids = [ObjectId(i) for i in photo_ids if i and ObjectId.is_valid(i)]
    if not ids:
        return {}
    found = db[repository.PHOTOS].find({"_id": {"$in": ids}}, {"key": 1, "thumbnail_key": 1})
    return {
        str(doc["_id"]): await store.url(doc.get("thumbnail_key") or doc["key"])
        async for doc in found
    }


async def photo_url(db: Any, store: PhotoStore, photo_id: str | None) -> str | None:
    return (await photo_urls(db, store, [photo_id])).get(photo_id or "")


def check_image(data: bytes) -> None:
    """Refuse what the thumbnailer could not (or should not) decode: unreadable bytes behind
    an image signature, and dimensions past MAX_PHOTO_PIXELS.

    The headers alone are not enough: a JPEG header followed by anything (an HTML page)
    opens, and `verify()` checks nothing for JPEG; it was stored, served as image/jpeg and
    failed the thumbnail job into the dead letters. So the pixels are decoded too, once the
    size is known to be within the cap."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise InvalidInput(
                    f"a photo is at most {MAX_PHOTO_PIXELS // 1_000_000} megapixels", field="file"
                )
            image.verify()
        # verify() leaves the image unusable: decoding needs a fresh one.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except InvalidInput:
        raise
    except Image.DecompressionBombError as exc:
        raise InvalidInput("the image's dimensions are too large", field="file") from exc
    except Exception as exc:  # Pillow raises many kinds for malformed files
        raise UnsupportedMediaType("the photo could not be read as an image") from exc
    # libjpeg makes up a missing end-of-image marker once every pixel has been read, so a
    # JPEG cut short just there decodes: its structure has to be walked to see the cut.
    if data.startswith(b"\xff\xd8") and not jpeg_reaches_end(data):
        raise UnsupportedMediaType("the photo could not be read as an image")
    # Pillow stops reading a PNG after its image data: a file cut inside its end chunk
    # (the last 1-4 bytes) decodes just the same.
    if data.startswith(PNG_SIGNATURE) and not png_reaches_end(data):
        raise UnsupportedMediaType("the photo could not be read as an image")


def jpeg_reaches_end(data: bytes) -> bool:
    """Whether the JPEG's segments, read from its start, lead to an end-of-image marker.

    Searching for the marker's bytes would not do: a thumbnail in the EXIF segment has its
    own, and bytes appended after the image (allowed: cameras add some) may hold any."""
    at = 2  # after start-of-image
    while True:
        # Stray bytes before a marker are skipped, as libjpeg does (with a warning).
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return False
        marker = data[at + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # a fill byte before the marker
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        if at + 4 > len(data):
            return False
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xDA:
            at = _scan_end(data, at)


_PNG_END_CHUNK = b"\x00\x00\x00\x00IEND" + zlib.crc32(b"IEND").to_bytes(4, "big")


def png_reaches_end(data: bytes) -> bool:
    """Whether the PNG's chunks, read from its start, lead to a whole end chunk (its
    checksum included). Bytes after it are allowed, as for a JPEG."""
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        if data[at + 4 : at + 8] == b"IEND":
            return data[at : at + 12] == _PNG_END_CHUNK
        at += 12 + length  # length, type, data, checksum
    return False


def _scan_end(data: bytes, at: int) -> int:
    """Where the entropy-coded data starting at `at` ends: at the first marker other than a
    restart (a data byte 0xFF is followed by 0x00), or the end of `data`."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return len(data)
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at


def square_thumbnail(data: bytes, size: int = THUMBNAIL_PX) -> bytes:
    """Centre-cropped square, resized; PNG keeps transparency, everything else is JPEG."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        square = image.crop((left, top, left + side, top + side)).resize(
            (size, size), Image.Resampling.LANCZOS
        )
        out = io.BytesIO()
        if square.mode in ("RGBA", "LA", "P"):
            square.save(out, format="PNG", optimize=True)
        else:
            square.convert("RGB").save(out, format="JPEG", quality=85)
        return out.getvalue()


def thumbnail_key(key: str, data: bytes) -> str:
    return key.rsplit(".", 1)[0] + (".thumb.png" if data.startswith(b"\x89PNG") else ".thumb.jpg")


async def make_thumbnail(db: Any, store: PhotoStore, photo_id: str) -> str | None:
    """Store a square thumbnail beside the photo; the key made, or None if nothing to do.
    Safe to run twice: a photo that has one already is left alone."""
    if not ObjectId.is_valid(photo_id):
        return None
    doc = await db[repository.PHOTOS].find_one({"_id": ObjectId(photo_id)})
    if doc is None or doc.get("thumbnail_key"):
        return None
    original = await asyncio.to_thread(store.get_sync, doc["key"])
    thumbnail = await asyncio.to_thread(square_thumbnail, original)
    key = thumbnail_key(doc["key"], thumbnail)
    content_type = "image/png" if key.endswith(".png") else "image/jpeg"
    await store.put(key, thumbnail, content_type)
    saved = await db[repository.PHOTOS].update_one(
        {"_id": doc["_id"]}, {"$set": {"thumbnail_key": key}}
    )
    if saved.matched_count == 0:
        # The photo was replaced and removed meanwhile: its thumbnail would be kept forever.
        await asyncio.to_thread(store.delete_sync, key)
        return None
    return key


async def remove_photo(db: Any, store: PhotoStore, photo_id: str) -> bool:
    """Delete a replaced photo: original and thumbnail from S3, then its document (last, so
    a failed S3 call is retried with the keys still known). False if nothing to do."""
    if not ObjectId.is_valid(photo_id):
        return False
    doc = await db[repository.PHOTOS].find_one({"_id": ObjectId(photo_id)})
    if doc is None or await repository.photo_in_use(db, doc["user_id"], photo_id):
        return False
    keys = [k for k in (doc["key"], doc.get("thumbnail_key")) if k]
    await asyncio.to_thread(store.delete_sync, *keys)
    await db[repository.PHOTOS].delete_one({"_id": doc["_id"]})
    return True
