"""Virtual time for in-process tests: every wait of the tool is skipped, so lag and throttling tests take milliseconds
while the tool still waits the same amounts through the same code."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wizard.clock import Clock


@dataclass(order=True)
class _Sleeper:
    until: float
    order: int
    woken: asyncio.Future[None] = field(compare=False)


class VirtualClock(Clock):
    """Real time (or `base`'s) plus every wait skipped so far: a sleep moves this clock on at once instead of waiting,
    and sleepers wake in the order their waits end, so tasks sleeping side by side share the skipped time as they
    would share real time. The clock never falls behind its base, so anything measured in real time (a key's validity
    set by a test, a request in flight) stays in order with it. The simulator's threads read it too."""

    def __init__(self, base: Clock | None = None) -> None:
        self.base = Clock() if base is None else base
        self._skipped = 0.0
        self._lock = threading.Lock()
        self._sleepers: list[_Sleeper] = []
        self._order = itertools.count()
        self.waits: list[float] = []
        """Every wait the tool asked for, in seconds, in order: what tests assert on where they assert on waits."""

    def now(self) -> datetime:
        return self.base.now() + timedelta(seconds=self._skipped)

    def monotonic(self) -> float:
        return self.base.monotonic() + self._skipped

    @property
    def skipped(self) -> float:
        """How far ahead of its base the clock is."""
        return self._skipped

    @property
    def waited(self) -> float:
        """The seconds of all waits asked for, added up."""
        return sum(self.waits)

    def skip(self, seconds: float) -> None:
        """Move the clock on by `seconds` at once: a test's own "later", where no wait of the tool does it."""
        with self._lock:
            self._skipped += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time: the loop runs what is ready first (as it would during a real wait), then
        the earliest sleeper wakes with the clock moved on to the end of its wait."""
        loop = asyncio.get_running_loop()
        sleeper = _Sleeper(self.monotonic() + max(seconds, 0.0), next(self._order), loop.create_future())
        with self._lock:
            self.waits.append(seconds)
            heapq.heappush(self._sleepers, sleeper)
        loop.call_soon(self._wake_earliest)
        try:
            await sleeper.woken
        except asyncio.CancelledError:
            with self._lock:
                if sleeper in self._sleepers:
                    self._sleepers.remove(sleeper)
                    heapq.heapify(self._sleepers)
            raise

    def _wake_earliest(self) -> None:
        """Each sleep schedules one of these, so there is a wake for every sleeper; it wakes whoever's wait ends
        first (on that sleeper's own loop), passing over sleepers whose task or loop is gone."""
        while True:
            with self._lock:
                if not self._sleepers:
                    return
                sleeper = heapq.heappop(self._sleepers)
                loop = sleeper.woken.get_loop()
                if sleeper.woken.done() or loop.is_closed():
                    continue
                self._skipped += max(0.0, sleeper.until - self.monotonic())
            loop.call_soon_threadsafe(_wake, sleeper.woken)
            return


def _wake(woken: asyncio.Future[None]) -> None:
    if not woken.done():
        woken.set_result(None)
