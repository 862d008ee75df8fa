from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from odmantic import AIOEngine

from config.settings import MongoSettings


def create_mongo_client(settings: MongoSettings) -> AsyncIOMotorClient:
    return AsyncIOMotorClient(
        settings.url,
        serverSelectionTimeoutMS=settings.timeout_ms,
        tz_aware=True,  # datetimes come back as aware UTC values
        uuidRepresentation="standard",
        appname="esante",
    )


def create_engine(client: AsyncIOMotorClient, settings: MongoSettings) -> AIOEngine:
    return AIOEngine(client=client, database=settings.db)


def database(client: AsyncIOMotorClient, settings: MongoSettings) -> AsyncIOMotorDatabase:
    return client[settings.db]
