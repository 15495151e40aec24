"""Slowing down password guessing: after each failed sign-in, the next attempt for the same
session AND for the same editor name must wait ``base × 2^(failures-1)`` seconds (capped).

Keys are arbitrary strings (ui/auth.py uses ``session:ID`` and ``nom:NAME``); a name is throttled
whether or not it has an account, so the delays never tell which names exist. The clock is
injected (tests advance a fake one instead of sleeping). Thread-safe: Streamlit runs every session
in its own thread and ui/auth.py keeps one Throttle per process.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable


class Throttle:
    def __init__(self, base: float = 1.0, cap: float = 300.0, forget_after: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.base, self.cap, self.forget_after, self.clock = base, cap, forget_after, clock
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (consecutive failures, time of the last)
        self._lock = threading.Lock()

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures (0 for none)."""
        return 0.0 if failures <= 0 else min(self.cap, self.base * 2 ** (failures - 1))

    def wait_time(self, keys: Iterable[str]) -> float:
        """Seconds before an attempt for these keys may be checked (0: now)."""
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            waits = [self.delay_after(n) - (now - last) for n, last in
                     (self._failures[k] for k in keys if k in self._failures)]
        return max([0.0, *waits])

    def failure(self, keys: Iterable[str]) -> float:
        """Record a failed attempt for every key; returns the delay now imposed (the largest)."""
        now = self.clock()
        delays = []
        with self._lock:
            for k in keys:
                n = self._failures.get(k, (0, now))[0] + 1
                self._failures[k] = (n, now)
                delays.append(self.delay_after(n))
        return max(delays, default=0.0)

    def success(self, keys: Iterable[str]) -> None:
        """A successful sign-in clears the counters of these keys."""
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)

    def failures(self, key: str) -> int:
        with self._lock:
            return self._failures.get(key, (0, 0.0))[0]

    def _forget_old(self, now: float) -> None:
        # keeps memory bounded: keys quiet for an hour (and past their delay) start again from zero
        stale = [k for k, (n, last) in self._failures.items()
                 if now - last > max(self.forget_after, self.delay_after(n))]
        for k in stale:
            del self._failures[k]
