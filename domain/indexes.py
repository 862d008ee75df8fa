"""Every area's MongoDB indexes, created when the web process starts (each set-up is
idempotent, so every replica may run it). An area adds its own `ensure_indexes` here, and
any one-off numbering of stored data that its new queries rely on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from domain.accounts.indexes import ensure_indexes as accounts_indexes
from domain.appointments.local_day import date_old_appointments
from domain.appointments.repository import INDEXES as APPOINTMENT_INDEXES
from domain.discovery.keys import fold_old_keys
from domain.messaging.numbering import number_old_messages
from domain.messaging.repository import ensure_indexes as messaging_indexes
from domain.profiles.repository import INDEXES as PROFILE_INDEXES
from domain.records.indexes import ensure_indexes as records_indexes
from domain.referrals.repository import INDEXES as REFERRAL_INDEXES
from domain.scheduling.repository import INDEXES as SCHEDULING_INDEXES
from domain.shared.indexes import index_setup
from domain.waitlist.entries import INDEXES as WAITLIST_INDEXES

IndexSetup = Callable[[Any], Awaitable[None]]

INDEX_SETUPS: list[IndexSetup] = [
    accounts_indexes,
    index_setup(SCHEDULING_INDEXES),
    index_setup(APPOINTMENT_INDEXES),
    date_old_appointments,
    index_setup(PROFILE_INDEXES),
    fold_old_keys,
    messaging_indexes,
    number_old_messages,
    index_setup(REFERRAL_INDEXES),
    records_indexes,
    index_setup(WAITLIST_INDEXES),
]


async def ensure_indexes(db: Any) -> None:
    for setup in INDEX_SETUPS:
        await setup(db)
