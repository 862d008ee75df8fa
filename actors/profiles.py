"""Profile photo processing: a square thumbnail next to the original, once per photo, and
the removal of a photo once another has replaced it."""

from __future__ import annotations

from functools import lru_cache

import dramatiq

from actors.context import run_async, worker_db
from config.settings import get_settings
from domain.profiles import photos

QUEUE = "uploads"


@lru_cache(maxsize=1)
def photo_store() -> photos.PhotoStore:
    from infra.s3 import create_s3_client

    settings = get_settings().s3
    return photos.PhotoStore(create_s3_client(settings), settings.bucket, settings.url_ttl_seconds)


@dramatiq.actor(actor_name=photos.PROCESS_PHOTO, queue_name=QUEUE)
def process_photo(photo_id: str) -> None:
    run_async(photos.make_thumbnail(worker_db(), photo_store(), photo_id))


@dramatiq.actor(actor_name=photos.REMOVE_PHOTO, queue_name=QUEUE)
def remove_photo(photo_id: str) -> None:
    run_async(photos.remove_photo(worker_db(), photo_store(), photo_id))
