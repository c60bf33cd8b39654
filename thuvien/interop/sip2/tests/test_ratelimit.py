"""Failure counters: a sliding window, a lockout that runs its time, three scopes for PINs."""

from thuvien.interop.sip2.ratelimit import FailureLimiter, PinGuard


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_lockout_after_max_failures_within_the_window():
    clock = Clock()
    limiter = FailureLimiter(3, window=60, lockout=300, clock=clock)
    assert not limiter.failure("a") and not limiter.failure("a")
    assert limiter.failure("a")
    assert limiter.blocked("a") and not limiter.blocked("b")
    limiter.success("a")  # a right answer does not lift a lock
    assert limiter.blocked("a")
    clock.now += 301
    assert not limiter.blocked("a")


def test_old_failures_fall_out_of_the_window():
    clock = Clock()
    limiter = FailureLimiter(3, window=60, lockout=300, clock=clock)
    limiter.failure("a")
    limiter.failure("a")
    clock.now += 61
    assert not limiter.failure("a")
    assert not limiter.blocked("a")


def test_success_resets_the_count():
    limiter = FailureLimiter(2, window=60, lockout=300, clock=Clock())
    limiter.failure("a")
    limiter.success("a")
    assert not limiter.failure("a")


def test_memory_stays_bounded():
    clock = Clock()
    limiter = FailureLimiter(5, window=60, lockout=300, clock=clock, max_keys=100)
    for n in range(5000):
        limiter.failure(n)
    assert len(limiter._failures) <= 100


def test_pin_guard_scopes():
    guard = PinGuard.default(clock=Clock())
    for _ in range(5):
        guard.record("CARD1", connection_id=1, account_id=7, ok=False)
    assert not guard.allowed("CARD1", 2, 8)  # the card, from anywhere
    assert guard.allowed("CARD2", 1, 7)
    for n in range(5):
        guard.record(f"OTHER{n}", connection_id=1, account_id=7, ok=False)
    assert not guard.allowed("CARD2", 1, 7)  # ten misses on one connection
    assert guard.allowed("CARD2", 2, 7)
    guard.connection_closed(1)
    for n in range(20):
        guard.record(f"X{n}", connection_id=100 + n, account_id=7, ok=False)
    assert not guard.allowed("CARD2", 999, 7)  # thirty misses through one kiosk account
    assert guard.allowed("CARD2", 999, 8)
