"""Indexes of the medical records collections; safe to run at every start."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from domain.records.collections import (
    CONSULTATION_VERSIONS,
    CONSULTATIONS,
    DOCUMENTS,
    NOTES,
    PRESCRIPTION_ADDENDA,
    PRESCRIPTION_VERSIONS,
    PRESCRIPTIONS,
)


async def ensure_indexes(db: Any) -> None:
    await db[CONSULTATIONS].create_indexes(
        [
            IndexModel([("patient_id", ASCENDING), ("created_at", DESCENDING)], name="patient"),
            IndexModel([("doctor_id", ASCENDING), ("patient_id", ASCENDING)], name="care"),
        ]
    )
    await db[NOTES].create_indexes(
        [
            IndexModel([("consultation_id", ASCENDING), ("created_at", ASCENDING)], name="cons"),
            IndexModel([("patient_id", ASCENDING), ("created_at", DESCENDING)], name="patient"),
        ]
    )
    await db[PRESCRIPTIONS].create_indexes(
        [
            IndexModel([("patient_id", ASCENDING), ("created_at", DESCENDING)], name="patient"),
            # What the lock sweep looks for: active ones whose window is over.
            IndexModel([("status", ASCENDING), ("editable_until", ASCENDING)], name="due"),
        ]
    )
    await db[PRESCRIPTION_VERSIONS].create_indexes(
        [
            IndexModel(
                [("prescription_id", ASCENDING), ("version", ASCENDING)],
                unique=True,
                name="prescription_version",
            )
        ]
    )
    await db[CONSULTATION_VERSIONS].create_indexes(
        [
            IndexModel(
                [("consultation_id", ASCENDING), ("version", ASCENDING)],
                unique=True,
                name="consultation_version",
            )
        ]
    )
    await db[PRESCRIPTION_ADDENDA].create_indexes(
        [
            IndexModel([("prescription_id", ASCENDING), ("created_at", ASCENDING)], name="rx"),
            # the patient's timeline reads addenda newest first
            IndexModel([("patient_id", ASCENDING), ("created_at", DESCENDING)], name="patient"),
        ]
    )
    await db[DOCUMENTS].create_indexes(
        [
            IndexModel([("patient_id", ASCENDING), ("created_at", DESCENDING)], name="patient"),
            IndexModel([("storage_key", ASCENDING)], unique=True, name="storage_key"),
        ]
    )
