"""Helpers of the job tests: a private redis-server, and the settings a subprocess needs."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from redis import Redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server process of this test, on its own port, without persistence."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            except Exception:  # not listening yet
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def app_config(app: Flask) -> dict[str, Any]:
    """The settings a subprocess needs to build the same app."""
    keys = (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS",
        "GONGDAN_LOAD_PLUGINS", "REDIS_URL", "RQ_QUEUE", "NOTIFICATION_LEASE_SECONDS",
    )  # fmt: skip
    config = {key: app.config[key] for key in keys if key in app.config}
    # Engine options may hold callables (a JSON serializer): the subprocess's app adds its own.
    options = config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        name: value for name, value in options.items() if not callable(value)
    }
    config["INSTANCE_PATH"] = app.instance_path
    return config
