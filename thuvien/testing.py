"""Helpers for tests that run a real thuvien of their own: its environment, and `thuvien serve` on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

THUVIEN = Path(sys.executable).with_name("thuvien")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def demo_env(data: Path) -> dict:
    """The environment of a server of its own: SQLite in DATA, whatever database or settings the suite uses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "THUVIEN_"))
    }
    env["THUVIEN_DATA_DIR"] = str(data)
    return env


@contextlib.contextmanager
def serving(env: dict, data: Path, timeout: float = 30):
    """Run `thuvien serve` (no worker) on a free port until the block ends; yield its base URL."""
    port = free_port()
    log = (data / "serve.log").open("w")
    process = subprocess.Popen(
        [str(THUVIEN), "serve", "--port", str(port), "--no-worker", "--threads", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).close()  # noqa: S310 - our own server
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"thuvien serve did not start:\n{(data / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        stop(process)
        log.close()
