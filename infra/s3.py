from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from config.settings import S3Settings


def create_s3_client(settings: S3Settings) -> Any:
    """A boto3 S3 client. boto3 blocks: call it from a worker thread, never the event loop."""
    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key.get_secret_value(),
        region_name=settings.region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )
