"""Typed settings, one class per concern, read from the environment (env wins over `.env`).

Every variable named in the public contract lives here. Defaults are safe for development;
`ESANTE_ENV=production` refuses to start on a default secret or on an embedded default URL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"  # noqa: S105
DEV_AUDIT_KEY = "dev-only-audit-hmac-key-change-me-0123456789"
DEV_MFA_KEY = "ZGV2LW9ubHktbWZhLXNlY3JldC1rZXktMzItYnl0ZXM="  # base64 of 32 known bytes
DEV_S3_KEY = "esante-dev"  # moto accepts any credentials


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    def explicitly_set(self, field: str) -> bool:
        return field in self.model_fields_set


class AppSettings(_Base):
    env: Literal["development", "test", "production"] = Field(
        "development", validation_alias="ESANTE_ENV"
    )
    base_url: str = Field("http://localhost:8000", validation_alias="APP_BASE_URL")
    data_dir: Path = Field(Path("var"), validation_alias="ESANTE_DATA_DIR")
    port: int = Field(8000, ge=1, le=65535, validation_alias="PORT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="LOG_JSON")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="CORS_ORIGINS"
    )
    rate_limit_per_minute: int = Field(600, ge=1, validation_alias="RATE_LIMIT_PER_MINUTE")
    auth_rate_limit_per_minute: int = Field(30, ge=1, validation_alias="AUTH_RATE_LIMIT_PER_MINUTE")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"], validation_alias="TRUSTED_PROXIES"
    )

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return _comma_list(value)
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"


class MongoSettings(_Base):
    url: str = Field("mongodb://127.0.0.1:27017", validation_alias="MONGODB_URL")
    db: str = Field("esante", validation_alias="MONGODB_DB")
    timeout_ms: int = Field(5000, validation_alias="MONGODB_TIMEOUT_MS")


class RedisSettings(_Base):
    url: str = Field("redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")


class KafkaSettings(_Base):
    bootstrap_servers: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    # Real Kafka supports idempotent producers; the embedded broker does not answer
    # InitProducerId, so `esante dev` and the tests turn it off.
    idempotence: bool = Field(True, validation_alias="KAFKA_IDEMPOTENCE")
    partitions: int = Field(4, ge=1, validation_alias="KAFKA_PARTITIONS")
    replication_factor: int = Field(1, ge=1, validation_alias="KAFKA_REPLICATION_FACTOR")


class S3Settings(_Base):
    endpoint_url: str | None = Field(None, validation_alias="S3_ENDPOINT_URL")
    bucket: str = Field("esante", validation_alias="S3_BUCKET")
    access_key_id: str = Field(DEV_S3_KEY, validation_alias="AWS_ACCESS_KEY_ID")
    secret_access_key: SecretStr = Field(
        SecretStr(DEV_S3_KEY), validation_alias="AWS_SECRET_ACCESS_KEY"
    )
    region: str = Field("us-east-1", validation_alias="AWS_REGION")
    url_ttl_seconds: int = Field(900, ge=1, le=900, validation_alias="S3_URL_TTL_SECONDS")


class MailSettings(_Base):
    smtp_url: str = Field("smtp://127.0.0.1:1025", validation_alias="SMTP_URL")
    mail_from: str = Field("E-Santé <no-reply@esante.local>", validation_alias="MAIL_FROM")
    # Certificates to trust for smtps:// and smtp+starttls:// (default: the system's CAs).
    smtp_ca_file: str | None = Field(None, validation_alias="SMTP_CA_FILE")


class PushSettings(_Base):
    app_id: str = Field("esante-dev-app", validation_alias="ONESIGNAL_APP_ID")
    api_key: SecretStr = Field(SecretStr("esante-dev-key"), validation_alias="ONESIGNAL_API_KEY")
    api_url: str = Field("https://api.onesignal.com", validation_alias="ONESIGNAL_API_URL")


class AuthSettings(_Base):
    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), validation_alias="JWT_SECRET")
    jwt_issuer: str = Field("esante", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("esante-api", validation_alias="JWT_AUDIENCE")
    access_token_minutes: int = Field(15, ge=1, le=120, validation_alias="ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(30, ge=1, validation_alias="REFRESH_TOKEN_DAYS")
    bcrypt_rounds: int = Field(12, ge=10, le=16, validation_alias="BCRYPT_ROUNDS")
    # Where the web process hashes passwords: background processes that give way to every
    # other process on the machine (domain/shared/background_cpu.py), or threads of its own
    # (no isolation, but nothing to start: the test suite's in-process apps use them).
    hashing_pool: Literal["processes", "threads"] = Field(
        "processes", validation_alias="PASSWORD_HASHING"
    )
    lockout_threshold: int = Field(5, ge=1, validation_alias="LOCKOUT_THRESHOLD")
    lockout_window_minutes: int = Field(15, ge=1, validation_alias="LOCKOUT_WINDOW_MINUTES")
    lockout_minutes: int = Field(15, ge=1, validation_alias="LOCKOUT_MINUTES")
    verification_token_hours: int = Field(24, ge=1, validation_alias="VERIFICATION_TOKEN_HOURS")
    reset_token_minutes: int = Field(60, ge=1, validation_alias="RESET_TOKEN_MINUTES")
    # forgot-password and resend-verification mail an address at most once per this long.
    email_cooldown_seconds: int = Field(60, ge=0, validation_alias="AUTH_EMAIL_COOLDOWN_SECONDS")
    # How long the second step of a two-factor sign-in may wait after the password.
    mfa_token_seconds: int = Field(300, ge=1, le=900, validation_alias="MFA_TOKEN_SECONDS")
    # Turning two-factor sign-in on without the password again needs a sign-in this recent.
    recent_sign_in_minutes: int = Field(
        15, ge=1, le=1440, validation_alias="MFA_ENABLE_RECENT_SIGN_IN_MINUTES"
    )
    # Seal TOTP seeds at rest (domain/accounts/secret_box.py): the first key seals, all open.
    mfa_secret_keys: SecretStr = Field(SecretStr(DEV_MFA_KEY), validation_alias="MFA_SECRET_KEYS")

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        return value

    @field_validator("mfa_secret_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        from cryptography.fernet import Fernet

        keys = _comma_list(value.get_secret_value())
        if not keys:
            raise ValueError("MFA_SECRET_KEYS needs at least one key")
        for key in keys:
            try:
                Fernet(key.encode())
            except ValueError:
                raise ValueError(
                    "MFA_SECRET_KEYS: each key must be 32 url-safe base64-encoded bytes "
                    "(cryptography's Fernet.generate_key())"
                ) from None
        return value

    @property
    def mfa_key_list(self) -> tuple[str, ...]:
        """The keys of MFA_SECRET_KEYS, the sealing one first."""
        return tuple(_comma_list(self.mfa_secret_keys.get_secret_value()))


class AuditSettings(_Base):
    hmac_key: SecretStr = Field(SecretStr(DEV_AUDIT_KEY), validation_alias="AUDIT_HMAC_KEY")


class WorkerSettings(_Base):
    max_retries: int = Field(5, ge=0, validation_alias="WORKER_MAX_RETRIES")
    min_backoff_ms: int = Field(1000, ge=10, validation_alias="WORKER_MIN_BACKOFF_MS")
    max_backoff_ms: int = Field(300_000, ge=10, validation_alias="WORKER_MAX_BACKOFF_MS")
    # Dramatiq's consumer blocks this long waiting for messages; lower means faster idle pickup.
    worker_timeout_ms: int = Field(100, ge=10, validation_alias="WORKER_TIMEOUT_MS")
    dead_message_ttl_days: int = Field(7, ge=1, validation_alias="DEAD_MESSAGE_TTL_DAYS")
    # A worker silent for this long is presumed dead and its unfinished jobs are requeued;
    # lower than Dramatiq's 60 s so a crashed worker's jobs resume within seconds.
    heartbeat_timeout_ms: int = Field(
        15_000, ge=1000, validation_alias="WORKER_HEARTBEAT_TIMEOUT_MS"
    )
    namespace: str = Field("dramatiq", validation_alias="DRAMATIQ_NAMESPACE")


class EventsSettings(_Base):
    # How often each streams instance looks for new outbox entries when idle: one indexed
    # query per interval, and most of the latency from a write to its consumers.
    outbox_poll_ms: int = Field(25, ge=5, validation_alias="OUTBOX_POLL_MS")
    outbox_batch: int = Field(200, ge=1, le=5000, validation_alias="OUTBOX_BATCH")
    # A claimed entry returns to the pool if its relay has not marked it within this time.
    outbox_lease_seconds: float = Field(30.0, gt=0, validation_alias="OUTBOX_LEASE_SECONDS")
    # Web processes send their own events to Kafka right after the commit (the relays take
    # over whatever they cannot send). Off, the relays send everything: for a web tier
    # with no route to Kafka.
    outbox_dispatch: bool = Field(True, validation_alias="OUTBOX_DISPATCH")


class RealtimeSettings(_Base):
    # "redis" lets sockets on different web processes reach each other (any deployment with
    # more than one web process); "memory" suits a single web process only.
    manager: Literal["redis", "memory"] = Field("redis", validation_alias="SOCKETIO_MANAGER")
    channel: str = Field("esante-socketio", validation_alias="SOCKETIO_CHANNEL")
    # A connected socket counts as present this long after its process last vouched for it,
    # so a crashed web process stops showing its users online within this time.
    presence_ttl_seconds: int = Field(60, ge=5, le=3600, validation_alias="PRESENCE_TTL_SECONDS")
    # Client events (messages, typing, reads) one socket may send per minute; HTTP has its
    # per-IP limit, sockets have this one.
    events_per_minute: int = Field(120, ge=6, validation_alias="SOCKET_EVENTS_PER_MINUTE")


class MedicalSettings(_Base):
    prescription_edit_seconds: int = Field(3600, ge=1, validation_alias="PRESCRIPTION_EDIT_SECONDS")


class SearchSettings(_Base):
    # How far ahead doctor search looks for a doctor's next free slot; beyond it the doctor
    # shows no next_available_slot and sorts last.
    next_available_days: int = Field(60, ge=1, le=366, validation_alias="NEXT_AVAILABLE_DAYS")


class Settings:
    """The settings of one process, grouped by concern."""

    def __init__(self) -> None:
        self.app = AppSettings()
        self.mongo = MongoSettings()
        self.redis = RedisSettings()
        self.kafka = KafkaSettings()
        self.s3 = S3Settings()
        self.mail = MailSettings()
        self.push = PushSettings()
        self.auth = AuthSettings()
        self.audit = AuditSettings()
        self.worker = WorkerSettings()
        self.medical = MedicalSettings()
        self.search = SearchSettings()
        self.realtime = RealtimeSettings()
        self.events = EventsSettings()

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe for production (empty when safe)."""
        problems: list[str] = []
        if self.auth.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            problems.append("JWT_SECRET is the development default")
        if self.audit.hmac_key.get_secret_value() == DEV_AUDIT_KEY:
            problems.append("AUDIT_HMAC_KEY is the development default")
        if DEV_MFA_KEY in self.auth.mfa_key_list:
            problems.append("MFA_SECRET_KEYS holds the development default")
        required = {
            "MONGODB_URL": self.mongo.explicitly_set("url"),
            "REDIS_URL": self.redis.explicitly_set("url"),
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.explicitly_set("bootstrap_servers"),
            "SMTP_URL": self.mail.explicitly_set("smtp_url"),
            "AWS_SECRET_ACCESS_KEY": self.s3.explicitly_set("secret_access_key"),
            "ONESIGNAL_API_KEY": self.push.explicitly_set("api_key"),
        }
        problems.extend(f"{name} is not set" for name, ok in required.items() if not ok)
        return problems

    def check(self) -> None:
        """Refuse to run in production on development defaults."""
        if self.app.is_production:
            problems = self.production_problems()
            if problems:
                raise RuntimeError("refusing to start in production: " + "; ".join(problems))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.check()
    return settings
