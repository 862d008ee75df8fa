"""Kafka topics with explicit partition counts (never the broker's default)."""

from __future__ import annotations

from config.settings import KafkaSettings

PARTITIONS = KafkaSettings().partitions

SYSTEM_PING = "system.ping"
SYSTEM_PONG = "system.pong"
