"""The SIP2 daemon: asyncio TCP (optionally TLS), one session per connection, the ORM in worker threads.

A connection must log in (93) before anything but SC status (99, when allowed) and resend requests.
Every answer echoes the request's sequence number and carries a checksum when the request did. A
message that cannot be read is answered with 96 (please resend); nothing a kiosk sends can end the
server or the connection's handler. The daemon stops on SIGTERM: it stops accepting, lets the
messages being handled finish, closes the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from thuvien.ops import daemons

from . import messages
from .ratelimit import FailureLimiter, PinGuard
from .responses import Reply, acs_status, refusal

logger = logging.getLogger("thuvien.sip2")

_SECRET_FIELDS = ("AD", "CO", "AC")
# How often a logged-in session checks that its account is still active.
ACCOUNT_RECHECK_SECONDS = 60.0


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 6001
    ssl_context: ssl.SSLContext | None = None
    # A kiosk normally sends SC status every few minutes; a silent connection is closed after this.
    idle_timeout: float = 600.0
    max_message_bytes: int = 8192
    max_connections: int = 1000
    status_before_login: bool = True
    threads: int = 8
    encoding: str = "utf-8"
    # Wrong kiosk passwords per peer address: 10 in 10 minutes lock that address out for 15.
    login_max_failures: int = 10
    login_window: float = 600.0
    login_lockout: float = 900.0
    shutdown_grace: float = 10.0
    # Several sip2d processes may share the port (SO_REUSEPORT): the kernel spreads connections.
    reuse_port: bool = False


@dataclass
class Session:
    """One kiosk connection: who logged in, which patrons proved their PIN, what was last sent."""

    id: int
    peer: str
    encoding: str
    pins: PinGuard
    account: object | None = None  # a KioskAccount once logged in
    verified_patrons: set[str] = field(default_factory=set)
    last_response: bytes | None = None
    location: str = ""
    account_checked_at: float = 0.0
    # Answers to fee payments by (card, kiosk transaction id): a payment sent twice is taken once.
    payments: dict = field(default_factory=dict)

    @property
    def logged_in(self) -> bool:
        return self.account is not None

    @property
    def institution(self) -> str:
        return self.account.library.code if self.account is not None else ""


class Backend(Protocol):
    def handle(self, session: Session, message: messages.Message) -> Reply:
        """Answer MESSAGE for the logged-in SESSION (runs in a worker thread, may use the ORM)."""


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server TLS context from a PEM certificate (chain) and key, TLS 1.2 at least."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


def redact(frame: bytes) -> str:
    """FRAME as text for the log, with passwords and PINs blanked."""
    pieces = frame.decode("utf-8", errors="replace")[:500].split("|")
    for i, piece in enumerate(pieces):
        # The first piece holds the fixed part; a login's CN/CO may start right after its 4 characters.
        start = 4 if i == 0 and piece.startswith("93") else 0
        if i == 0 and not start:
            continue
        if piece[start : start + 2] in _SECRET_FIELDS:
            pieces[i] = piece[: start + 2] + "***"
    return "|".join(pieces)


class Sip2Server:
    def __init__(
        self, backend: Backend, config: Config | None = None, *, pins: PinGuard | None = None
    ) -> None:
        self.backend = backend
        self.config = config or Config()
        self.pins = pins or PinGuard.default()
        self.logins = FailureLimiter(
            self.config.login_max_failures, self.config.login_window, self.config.login_lockout
        )
        self._worker_threads: set[threading.Thread] = set()
        self.executor = ThreadPoolExecutor(
            max_workers=self.config.threads, thread_name_prefix="sip2-db", initializer=self._worker_started
        )
        self._busy = 0
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._connections: dict[int, asyncio.StreamWriter] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stopping: asyncio.Event | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._on_connection,
            self.config.host,
            self.config.port,
            ssl=self.config.ssl_context,
            ssl_handshake_timeout=30 if self.config.ssl_context else None,
            reuse_address=True,
            reuse_port=self.config.reuse_port or None,
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
        # Let the messages being handled finish, then close every connection.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_grace
        while self._busy and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for writer in list(self._connections.values()):
            with contextlib.suppress(Exception):
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

    # --- connections --------------------------------------------------------------------------

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        session_id = next(self._ids)
        peer = writer.get_extra_info("peername")
        peer_host = peer[0] if isinstance(peer, tuple) else str(peer)
        session = Session(session_id, peer_host, messages.normalise_encoding(self.config.encoding), self.pins)
        if len(self._connections) >= self.config.max_connections:
            logger.warning("sip2: too many connections; refusing %s", peer_host)
            writer.close()
            if task is not None:
                self._tasks.discard(task)
            return
        self._connections[session_id] = writer
        logger.info("sip2: connection %d from %s", session_id, peer_host)
        try:
            await self._serve(session, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("sip2: connection %d failed", session_id)
        finally:
            self._connections.pop(session_id, None)
            self.pins.connection_closed(session_id)
            with contextlib.suppress(Exception):
                writer.close()
            logger.info(
                "sip2: connection %d closed (%s)",
                session_id,
                session.account.login if session.account is not None else "not logged in",
            )
            if task is not None:
                self._tasks.discard(task)

    async def _serve(
        self, session: Session, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        framer = messages.Framer(self.config.max_message_bytes)
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout=self.config.idle_timeout)
            except TimeoutError:
                logger.info("sip2: connection %d idle; closing", session.id)
                return
            if not data:
                return
            for frame in framer.feed(data):
                self._busy += 1
                try:
                    answer = await self._answer(session, frame)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("sip2: connection %d: answering failed", session.id)
                    answer = messages.request_resend()
                finally:
                    self._busy -= 1
                if answer is None:
                    continue
                writer.write(answer)
                await asyncio.wait_for(writer.drain(), timeout=self.config.idle_timeout)

    # --- messages -----------------------------------------------------------------------------

    async def _answer(self, session: Session, frame: bytes | None) -> bytes | None:
        if frame is None:
            logger.warning(
                "sip2: connection %d: message over %d bytes", session.id, self.config.max_message_bytes
            )
            return messages.request_resend()
        try:
            message = messages.parse(frame, session.encoding)
        except messages.ChecksumError:
            logger.info("sip2: connection %d: bad checksum: %s", session.id, redact(frame))
            return messages.request_resend()
        except messages.ParseError as exc:
            logger.info("sip2: connection %d: unreadable (%s): %s", session.id, exc.reason, redact(frame))
            return messages.request_resend()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("sip2: connection %d <- %s", session.id, redact(frame))
        if message.code == "97":
            # The kiosk missed our last answer: send it again, byte for byte.
            return session.last_response
        if message.code not in messages.REQUEST_CODES:
            # An ACS-to-SC message (a 96, a response code) sent our way: nothing sensible to answer.
            logger.info("sip2: connection %d: unexpected message %s", session.id, message.code)
            return None
        if message.code == "93":
            reply = await self._in_thread(self._login, session, message)
        elif session.account is None:
            now = timezone.now()
            if message.code == "99" and self.config.status_before_login:
                reply = acs_status(now, online=True, checkin=False, checkout=False, renewal=False)
            else:
                with override("vi"):
                    reply = refusal(message, _("Máy chưa đăng nhập vào hệ thống thư viện."), now)
        else:
            reply = await self._in_thread(self._handle, session, message)
        data = reply.to_bytes(
            sequence=message.sequence, error_detection=message.error_detection, encoding=session.encoding
        )
        session.last_response = data
        return data

    async def _in_thread(self, func, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, func, *args)

    def _login(self, session: Session, message: messages.Message) -> Reply:
        from .actions import authenticate

        login = message.get("CN")
        if self.logins.blocked(session.peer):
            logger.warning(
                "sip2: connection %d: login %r refused: too many failures from %s",
                session.id,
                login,
                session.peer,
            )
            return Reply("94", {"ok": "0"})
        close_old_connections()
        try:
            account = authenticate(login, message.get("CO"))
        finally:
            close_old_connections()
        if account is None:
            self.logins.failure(session.peer)
            logger.warning("sip2: connection %d: login %r failed from %s", session.id, login, session.peer)
            return Reply("94", {"ok": "0"})
        session.account = account
        session.encoding = messages.normalise_encoding(account.encoding)
        session.location = message.get("CP")
        session.verified_patrons.clear()
        session.account_checked_at = time.monotonic()
        logger.info(
            "sip2: connection %d: logged in as %s (%s)", session.id, account.login, account.library.code
        )
        return Reply("94", {"ok": "1"})

    def _handle(self, session: Session, message: messages.Message) -> Reply:
        close_old_connections()
        try:
            if not self._account_still_active(session):
                with override("vi"):
                    return refusal(message, _("Tài khoản máy đã bị khóa."), timezone.now())
            with override("vi"):
                try:
                    return self.backend.handle(session, message)
                except Exception:
                    logger.exception("sip2: connection %d: message %s failed", session.id, message.code)
                    return refusal(
                        message,
                        _("Hệ thống đang gặp lỗi, xin mời bạn đến quầy thủ thư."),
                        timezone.now(),
                        session.institution,
                    )
        finally:
            close_old_connections()

    def _account_still_active(self, session: Session) -> bool:
        now = time.monotonic()
        if now - session.account_checked_at < ACCOUNT_RECHECK_SECONDS:
            return True
        from .models import KioskAccount

        session.account_checked_at = now
        if KioskAccount.objects.filter(pk=session.account.pk, is_active=True).exists():
            return True
        logger.warning(
            "sip2: connection %d: account %s was disabled; logging out", session.id, session.account.login
        )
        session.account = None
        return False


def run(backend: Backend, config: Config, *, ready=None) -> None:
    """Serve until SIGTERM or SIGINT (the command's entry point); READY(server) is called once listening."""

    async def main() -> None:
        server = Sip2Server(backend, config)
        await server.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, server.request_stop)
        _watcher = daemons.watch_supervisor(server.request_stop, "sip2")  # noqa: F841 - keeps the task alive
        if ready is not None:
            ready(server)
        await server.serve_until_stopped()

    asyncio.run(main())


def supervise(child_command: list[str], workers: int, host: str, port: int, *, ready=None) -> int:
    """Run WORKERS sip2d processes sharing HOST:PORT; forward SIGTERM/SIGINT; restart one that dies."""
    return daemons.supervise("sip2d", child_command, workers, host, port, ready=ready)


class ServerThread(daemons.ServerThread):
    """Run a SIP2 server on its own event loop in a background thread (tests and benchmarks)."""

    def __init__(self, backend: Backend, config: Config | None = None, **kwargs) -> None:
        self.config = config or Config(port=0)
        super().__init__(Sip2Server(backend, self.config, **kwargs), "sip2-server")
