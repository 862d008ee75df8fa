"""Kafka topics with explicit partition counts (never the broker's default)."""

from __future__ import annotations

from config.settings import KafkaSettings
from domain.events.catalog import TOPICS

PARTITIONS = KafkaSettings().partitions

SYSTEM_PING = "system.ping"
SYSTEM_PONG = "system.pong"

AUDIT_ACCESS = "audit.access"
# Every topic of the event catalogue (audit.access included): what the audit trail reads.
EVENT_TOPICS = list(TOPICS)
# Domain events that can notify someone (record reads never do).
DOMAIN_TOPICS = [name for name in TOPICS if name != AUDIT_ACCESS]
MEDICAL_EVENTS = "medical.events"
APPOINTMENTS_EVENTS = "appointments.events"
