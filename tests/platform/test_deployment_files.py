"""docker-compose.yml cannot run here; it is checked against the Procfile and the settings."""

from pathlib import Path

import pytest
import yaml

from config.procfile import read_procfile
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_IN_PRODUCTION = {
    "ESANTE_ENV", "MONGODB_URL", "MONGODB_DB", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS",
    "S3_ENDPOINT_URL", "S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
    "SMTP_URL", "MAIL_FROM", "ONESIGNAL_APP_ID", "ONESIGNAL_API_KEY", "ONESIGNAL_API_URL",
    "JWT_SECRET", "AUDIT_HMAC_KEY", "MFA_SECRET_KEYS", "APP_BASE_URL", "ESANTE_DATA_DIR", "PORT",
}  # fmt: skip


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_procfile_process_has_a_service() -> None:
    services = _compose()["services"]
    for name, command in read_procfile().items():
        assert name in services, f"no service for Procfile process {name}"
        assert services[name]["command"][:2] == command.split()[:2]
        assert "healthcheck" in services[name]


def test_every_app_service_names_the_required_settings() -> None:
    services = _compose()["services"]
    for name in read_procfile():
        environment = set(services[name]["environment"])
        missing = REQUIRED_IN_PRODUCTION - environment
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert services[name]["environment"]["ESANTE_ENV"] == "production"


def test_the_list_above_covers_what_the_settings_require(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Derived from the settings themselves, so a newly required variable cannot be missed.
    monkeypatch.chdir(tmp_path)  # no .env file
    for name in REQUIRED_IN_PRODUCTION:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESANTE_ENV", "production")
    required = {problem.split()[0] for problem in Settings().production_problems()}
    assert required and required <= REQUIRED_IN_PRODUCTION, required - REQUIRED_IN_PRODUCTION


def test_infrastructure_is_production_shaped() -> None:
    services = _compose()["services"]
    assert services["mongodb"]["image"].startswith("mongo:7")
    assert "--replSet" in services["mongodb"]["command"]
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "--appendonly" in services["redis"]["command"]
    assert all("healthcheck" in services[n] for n in ("mongodb", "kafka", "redis", "minio"))


def test_dockerfile_installs_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("api", "actors", "streams", "domain", "scheduler", "config", "infra"):
        assert f"COPY {package} ./{package}" in dockerfile
