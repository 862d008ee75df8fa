"""Document bytes in S3. boto3 blocks, so every call runs in a worker thread.

Keys are random (`documents/<hex>`): nothing in a key, a bucket listing or an access log of
the object store says whose document it is or what it holds.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from domain.shared.errors import ServiceUnavailable

MAX_SIGNED_URL_SECONDS = 900


def new_storage_key() -> str:
    return f"documents/{uuid.uuid4().hex}"


@dataclass(frozen=True)
class DocumentStorage:
    s3: Any
    bucket: str

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await asyncio.to_thread(
                self.s3.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ServerSideEncryption="AES256",
            )
        except Exception as exc:  # the client sees a retryable 503, not a 500
            raise ServiceUnavailable("document storage is unavailable; try again shortly") from exc

    async def read(self, key: str) -> bytes:
        def fetch() -> bytes:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

        return await asyncio.to_thread(fetch)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.s3.delete_object, Bucket=self.bucket, Key=key)

    async def signed_download_url(
        self, key: str, *, filename: str, content_type: str, seconds: int
    ) -> str:
        return str(
            await asyncio.to_thread(
                self.s3.generate_presigned_url,
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                    "ResponseContentType": content_type,
                },
                ExpiresIn=min(seconds, MAX_SIGNED_URL_SECONDS),
            )
        )
