"""Failure counters for the SIP2 daemon: wrong patron PINs and wrong kiosk passwords.

In memory, per daemon process: they stop a kiosk (or whoever holds its password) from guessing PINs
faster than a person could type them. The readers' own lockout (``PinFailure`` rows, checked by
``authenticate_reader``) still applies across the desk, the OPAC and every daemon.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


class FailureLimiter:
    """At most MAX_FAILURES failures per key within WINDOW seconds; then the key is locked for LOCKOUT."""

    def __init__(
        self,
        max_failures: int,
        window: float,
        lockout: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[Hashable, deque[float]] = {}
        self._locked_until: dict[Hashable, float] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def blocked(self, key: Hashable) -> bool:
        """Whether KEY is locked out now."""
        with self._lock:
            until = self._locked_until.get(key)
            if until is None:
                return False
            if self.clock() >= until:
                del self._locked_until[key]
                self._failures.pop(key, None)
                return False
            return True

    def failure(self, key: Hashable) -> bool:
        """Count one failure for KEY; return True if KEY is now locked out."""
        now = self.clock()
        with self._lock:
            self._maybe_sweep(now)
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.max_failures:
                self._locked_until[key] = now + self.lockout
                return True
            return False

    def success(self, key: Hashable) -> None:
        """Forget KEY's failures (not its lockout: a lock runs its time)."""
        with self._lock:
            self._failures.pop(key, None)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)

    def _maybe_sweep(self, now: float) -> None:
        self._calls += 1
        if self._calls % 1000 and len(self._failures) < self.max_keys:
            return
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
        while len(self._failures) >= self.max_keys:
            self._failures.pop(next(iter(self._failures)))


@dataclass
class PinGuard:
    """Wrong-PIN limits per card, per connection and per kiosk account."""

    per_card: FailureLimiter
    per_connection: FailureLimiter
    per_account: FailureLimiter

    @classmethod
    def default(cls, clock: Callable[[], float] = time.monotonic) -> PinGuard:
        # 5 wrong PINs for one card in 10 minutes lock that card for 15; a connection or a kiosk
        # trying many cards is stopped too, so guessing across cards does not get around the per-card limit.
        return cls(
            per_card=FailureLimiter(5, 600, 900, clock=clock),
            per_connection=FailureLimiter(10, 600, 900, clock=clock),
            per_account=FailureLimiter(30, 600, 900, clock=clock),
        )

    def allowed(self, card: str, connection_id: int, account_id: int | None) -> bool:
        """Whether a PIN for CARD may be checked now on this connection and account."""
        return not (
            self.per_card.blocked(card)
            or self.per_connection.blocked(connection_id)
            or (account_id is not None and self.per_account.blocked(account_id))
        )

    def record(self, card: str, connection_id: int, account_id: int | None, ok: bool) -> None:
        if ok:
            self.per_card.success(card)
            return
        self.per_card.failure(card)
        self.per_connection.failure(connection_id)
        if account_id is not None:
            self.per_account.failure(account_id)

    def connection_closed(self, connection_id: int) -> None:
        self.per_connection.forget(connection_id)
