"""Several processes of one TCP daemon (sip2d, z3950d) sharing a port: one Python process uses one core."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

PARENT_ENV = "THUVIEN_DAEMON_PARENT"


def supervise(
    command: str, child_args: list[str], workers: int, host: str, port: int, *, ready: Callable | None = None
) -> int:
    """Run WORKERS `thuvien COMMAND` processes sharing HOST:PORT; forward SIGTERM/SIGINT; restart one that dies.

    Each child is started with ``--host HOST --port PORT --reuse-port --quiet`` and CHILD_ARGS, and must
    bind with SO_REUSEPORT. Returns the highest exit status of the children.
    """
    holder = None
    if port == 0:
        # Reserve a free port for the workers; SO_REUSEPORT lets them bind it alongside.
        holder = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind((host, 0))
        port = holder.getsockname()[1]
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    argv = [sys.executable, "-m", "thuvien.cli", command, "--host", host, "--port", str(port), "--reuse-port",
            "--quiet", *child_args]  # fmt: skip
    stopping = threading.Event()

    def stop(*_args) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [subprocess.Popen(argv, env=env) for _ in range(workers)]
    started = time.monotonic()
    probe_host = "127.0.0.1" if host in ("", "0.0.0.0") else ("::1" if host == "::" else host)  # noqa: S104
    while time.monotonic() - started < 60 and not stopping.is_set():
        if all(child.poll() is not None for child in children):
            break
        try:
            socket.create_connection((probe_host, port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    if ready is not None:
        ready(port)
    restarts = 0
    while not stopping.wait(0.5):
        if holder is not None and time.monotonic() - started > 10:
            holder.close()
            holder = None
        for i, child in enumerate(children):
            if child.poll() is not None:
                restarts += 1
                logger.error("%s: worker %d exited with %s; restarting", command, child.pid, child.returncode)
                time.sleep(min(5.0, 0.5 * restarts))
                children[i] = subprocess.Popen(argv, env=env)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    code = 0
    for child in children:
        try:
            code = max(code, child.wait(timeout=30) or 0)
        except subprocess.TimeoutExpired:
            child.kill()
            code = 1
    if holder is not None:
        holder.close()
    return code


def watch_supervisor(request_stop: Callable[[], None], name: str) -> asyncio.Task | None:
    """Call REQUEST_STOP when the supervising process has gone (a worker of ``--workers N``); None if unsupervised."""
    parent = int(os.environ.get(PARENT_ENV) or 0)
    if not parent:
        return None

    async def watch() -> None:
        # A worker stops when its supervisor is gone, even if that was killed outright.
        while os.getppid() == parent:
            await asyncio.sleep(1.0)
        logger.warning("%s: the supervising process has gone; stopping", name)
        request_stop()

    return asyncio.get_running_loop().create_task(watch())


class ServerThread:
    """Run an asyncio daemon SERVER on its own event loop in a background thread (tests and benchmarks).

    SERVER has ``start()`` and ``serve_until_stopped()`` coroutines, ``request_stop()`` and ``port``.
    """

    def __init__(self, server, name: str) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self.loop.run_until_complete(self.server.serve_until_stopped())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()

    def start(self):
        self.thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.server.request_stop)
            self.thread.join(30)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
