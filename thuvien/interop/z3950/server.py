"""The Z39.50 daemon: asyncio TCP, one coroutine per session, searches and presents in worker threads.

The event loop only frames and routes APDUs, so a slow search never holds up another session. A
session must begin with Init; whatever cannot be read (malformed BER, an absurd length, an APDU this
target does not speak) is answered with a Close (protocolError) and the connection is closed. A
silent session is closed after the idle timeout, a half-sent APDU after a shorter one. Beyond
`max_sessions`, a new connection gets a Close (resources) at once. SIGTERM and SIGINT stop the
daemon: it stops accepting, lets the requests being answered finish, closes every session.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connections

from thuvien.ops import daemons

from . import pdu
from .ber import BERError, Framer
from .diagnostics import Diagnostic
from .service import Session, Target

logger = logging.getLogger("thuvien.z3950")

READ_CHUNK = 65536


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 2100
    auth_mode: str = "optional"
    max_sessions: int = 200
    idle_timeout: float = 300.0
    # A client that has begun an APDU sends the rest at once; one that stalls half-way is cut off sooner.
    partial_timeout: float = 30.0
    max_message: int = 1024 * 1024
    threads: int = 8
    shutdown_grace: float = 10.0
    # A worker of `z3950d --workers N`: several processes bind the same port.
    reuse_port: bool = False

    @classmethod
    def from_settings(cls, **overrides) -> Config:
        config = cls(
            host=settings.Z3950_HOST,
            port=settings.Z3950_PORT,
            auth_mode=settings.Z3950_AUTH,
            max_sessions=settings.Z3950_MAX_SESSIONS,
            idle_timeout=float(settings.Z3950_IDLE_TIMEOUT),
            max_message=settings.Z3950_MAX_MESSAGE,
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        config.partial_timeout = min(config.partial_timeout, config.idle_timeout)
        return config


class _Closed(Exception):
    """The session is over (the peer went, timed out, or was sent a Close)."""


class Z3950Server:
    def __init__(self, config: Config | None = None, target: Target | None = None) -> None:
        self.config = config or Config()
        if self.config.auth_mode not in ("none", "optional", "required"):
            raise ValueError(f"Z3950_AUTH must be none, optional or required, not {self.config.auth_mode!r}")
        self.target = target or Target(auth_mode=self.config.auth_mode, max_message=self.config.max_message)
        self._worker_threads: set[threading.Thread] = set()
        self.executor = ThreadPoolExecutor(
            max_workers=self.config.threads, thread_name_prefix="z3950-db", initializer=self._worker_started
        )
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._writers: dict[int, asyncio.StreamWriter] = {}
        self._tasks: set[asyncio.Task] = set()
        self._busy = 0
        self._stopping: asyncio.Event | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._on_connection,
            self.config.host,
            self.config.port,
            reuse_address=True,
            reuse_port=self.config.reuse_port or None,
            limit=READ_CHUNK,
        )

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def serve_until_stopped(self) -> None:
        assert self._stopping is not None
        await self._stopping.wait()
        await self._shutdown()

    def request_stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_grace
        while self._busy and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for writer in list(self._writers.values()):
            with contextlib.suppress(Exception):
                writer.write(pdu.encode_close(pdu.Close(pdu.SHUTDOWN)))
                writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
        await loop.run_in_executor(None, self._close_worker_connections)

    def _worker_started(self) -> None:
        self._worker_threads.add(threading.current_thread())

    def _close_worker_connections(self) -> None:
        """Close the database connection each worker thread holds, then stop the pool."""
        threads = len(self._worker_threads)
        if threads:
            barrier = threading.Barrier(threads)

            def close_here() -> None:
                # The barrier makes each worker thread take exactly one of these.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=5)
                connections.close_all()

            futures = [self.executor.submit(close_here) for _ in range(threads)]
            for future in futures:
                with contextlib.suppress(Exception):
                    future.result(timeout=10)
        self.executor.shutdown(wait=True, cancel_futures=True)

    # --- sessions -----------------------------------------------------------------------------

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        peer = writer.get_extra_info("peername")
        session = Session(next(self._ids), peer[0] if isinstance(peer, tuple) else str(peer))
        if len(self._writers) >= self.config.max_sessions:
            logger.warning("z3950: too many sessions; refusing %s", session.peer)
            with contextlib.suppress(Exception):
                writer.write(pdu.encode_close(pdu.Close(pdu.RESOURCES, message="too many sessions")))
                await asyncio.wait_for(writer.drain(), timeout=5)
                writer.close()
            return
        if task is not None:
            self._tasks.add(task)
        self._writers[session.id] = writer
        logger.info("z3950: session %d from %s", session.id, session.peer)
        try:
            await self._serve(session, reader, writer)
        except (_Closed, ConnectionError, asyncio.IncompleteReadError, TimeoutError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("z3950: session %d failed", session.id)
        finally:
            self._writers.pop(session.id, None)
            with contextlib.suppress(Exception):
                writer.close()
            logger.info("z3950: session %d closed (%s)", session.id, session.who or "anonymous")
            if task is not None:
                self._tasks.discard(task)

    async def _serve(
        self, session: Session, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        framer = Framer(self.config.max_message)
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                message = framer.next()
            except BERError as exc:
                logger.info("z3950: session %d: unreadable message (%s)", session.id, exc)
                await self._close(writer, pdu.PROTOCOL_ERROR, "malformed BER")
            if message is None:
                timeout = self.config.partial_timeout if framer.pending else self.config.idle_timeout
                try:
                    data = await asyncio.wait_for(reader.read(READ_CHUNK), timeout=timeout)
                except TimeoutError:
                    logger.info("z3950: session %d: %s; closing", session.id,
                                "stalled mid-message" if framer.pending else "idle")  # fmt: skip
                    await self._close(writer, pdu.LACK_OF_ACTIVITY, "")
                if not data:
                    raise _Closed
                framer.feed(data)
                continue
            self._busy += 1
            try:
                answer = await self._answer(session, message, writer)
            finally:
                self._busy -= 1
            writer.write(answer)
            await asyncio.wait_for(writer.drain(), timeout=self.config.idle_timeout)
            if session.closing:
                raise _Closed

    async def _close(self, writer: asyncio.StreamWriter, reason: int, message: str) -> None:
        """Send a Close with REASON and end the session."""
        with contextlib.suppress(Exception):
            writer.write(pdu.encode_close(pdu.Close(reason, message=message or None)))
            await asyncio.wait_for(writer.drain(), timeout=5)
        raise _Closed

    async def _answer(self, session: Session, message: bytes, writer: asyncio.StreamWriter) -> bytes:
        try:
            request = pdu.decode_pdu(message)
        except (BERError, pdu.ProtocolError, Diagnostic) as exc:
            logger.info("z3950: session %d: bad APDU (%s)", session.id, exc)
            await self._close(writer, pdu.PROTOCOL_ERROR, "malformed APDU")
        if isinstance(request, pdu.InitRequest):
            if session.initialized:
                await self._close(writer, pdu.PROTOCOL_ERROR, "second Init")
            response = await self._in_thread(self.target.init, session, request)
            if session.initialized:
                logger.info("z3950: session %d: init by %s (%s %s), charset %s", session.id,
                            session.who or "anonymous", request.implementation_name[:60],
                            request.implementation_version[:40], session.charset or "-")  # fmt: skip
            return pdu.encode_init_response(response)
        if not session.initialized:
            await self._close(writer, pdu.PROTOCOL_ERROR, "Init first")
        if isinstance(request, pdu.SearchRequest):
            return pdu.encode_search_response(await self._in_thread(self.target.search, session, request))
        if isinstance(request, pdu.PresentRequest):
            return pdu.encode_present_response(await self._in_thread(self.target.present, session, request))
        if isinstance(request, pdu.ScanRequest):
            return pdu.encode_scan_response(await self._in_thread(self.target.scan, session, request))
        if isinstance(request, pdu.DeleteRequest):
            return pdu.encode_delete_response(self.target.delete(session, request))
        if isinstance(request, pdu.Close):
            session.closing = True
            return pdu.encode_close(pdu.Close(pdu.FINISHED, reference_id=request.reference_id))
        # A response APDU sent to the target: the origin is confused.
        await self._close(writer, pdu.PROTOCOL_ERROR, "unexpected APDU")
        raise AssertionError("unreachable")

    async def _in_thread(self, func, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _with_connection, func, *args)


def _with_connection(func, *args):
    """Run FUNC in a worker thread, dropping the thread's database connection if it went stale or bad."""
    close_old_connections()
    try:
        return func(*args)
    finally:
        close_old_connections()


def run(config: Config, *, ready=None) -> None:
    """Serve until SIGTERM or SIGINT (the command's entry point); READY(server) is called once listening."""

    async def main() -> None:
        server = Z3950Server(config)
        await server.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, server.request_stop)
        _watcher = daemons.watch_supervisor(server.request_stop, "z3950")  # noqa: F841 - keeps the task alive
        if ready is not None:
            ready(server)
        await server.serve_until_stopped()

    asyncio.run(main())


class ServerThread(daemons.ServerThread):
    """Run a Z39.50 server on its own event loop in a background thread (tests and benchmarks)."""

    def __init__(self, config: Config | None = None, target: Target | None = None) -> None:
        super().__init__(Z3950Server(config or Config(port=0), target), "z3950-server")
