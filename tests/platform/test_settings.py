import base64

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from config.settings import DEV_JWT_SECRET, DEV_MFA_KEY, AuthSettings, Settings

# Fixed, so that test ids are the same in every collection (parallel workers compare them).
REAL_MFA_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()

PRODUCTION_ENV = {
    "ESANTE_ENV": "production",
    "JWT_SECRET": "a-real-secret-that-is-long-enough-0123456789",
    "AUDIT_HMAC_KEY": "a-real-audit-key-that-is-long-enough-012345",
    "MFA_SECRET_KEYS": REAL_MFA_KEY,
    "MONGODB_URL": "mongodb://db.internal:27017/?replicaSet=rs0",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.internal:9092",
    "SMTP_URL": "smtp://mail.internal:25",
    "AWS_SECRET_ACCESS_KEY": "real-s3-secret",
    "ONESIGNAL_API_KEY": "real-onesignal-key",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_production_with_everything_set_starts(production: pytest.MonkeyPatch) -> None:
    settings = Settings()
    settings.check()
    assert settings.app.is_production
    assert settings.kafka.bootstrap_servers == "kafka.internal:9092"


def test_production_refuses_the_default_jwt_secret(production: pytest.MonkeyPatch) -> None:
    production.setenv("JWT_SECRET", DEV_JWT_SECRET)
    with pytest.raises(RuntimeError, match="JWT_SECRET is the development default"):
        Settings().check()


@pytest.mark.parametrize("keys", [DEV_MFA_KEY, f"{REAL_MFA_KEY},{DEV_MFA_KEY}"])
def test_production_refuses_the_development_mfa_key_even_as_an_old_one(
    production: pytest.MonkeyPatch, keys: str
) -> None:
    production.setenv("MFA_SECRET_KEYS", keys)
    with pytest.raises(RuntimeError, match="MFA_SECRET_KEYS holds the development default"):
        Settings().check()


@pytest.mark.parametrize("keys", ["", " , ", "not-a-key", f"{REAL_MFA_KEY},short"])
def test_mfa_secret_keys_must_all_be_fernet_keys(
    monkeypatch: pytest.MonkeyPatch, keys: str
) -> None:
    monkeypatch.setenv("MFA_SECRET_KEYS", keys)
    with pytest.raises(ValidationError, match="MFA_SECRET_KEYS"):
        AuthSettings()


def test_mfa_secret_keys_are_listed_sealing_key_first(monkeypatch: pytest.MonkeyPatch) -> None:
    older = Fernet.generate_key().decode()
    monkeypatch.setenv("MFA_SECRET_KEYS", f" {REAL_MFA_KEY} ,{older},")
    assert AuthSettings().mfa_key_list == (REAL_MFA_KEY, older)


@pytest.mark.parametrize(
    "variable", ["MONGODB_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "SMTP_URL"]
)
def test_production_refuses_embedded_defaults(
    production: pytest.MonkeyPatch, variable: str
) -> None:
    production.delenv(variable)
    with pytest.raises(RuntimeError, match=f"{variable} is not set"):
        Settings().check()


def test_development_defaults_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESANTE_ENV", "development")
    Settings().check()


def test_short_jwt_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        AuthSettings()


def test_bcrypt_cost_below_ten_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCRYPT_ROUNDS", "8")
    with pytest.raises(ValidationError):
        AuthSettings()


def test_cors_origins_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().app.cors_origins == ["https://a.example", "https://b.example"]
