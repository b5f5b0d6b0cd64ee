"""The tool's one clock: wall time, a monotonic reading, and sleeping.

Every wait and every age reads it: the Graph layer's backoffs and Retry-After waits, the replication-lag budget, the
runner's claims and intents, the state's timestamps, and the simulator's replication lag. So a test can put the tool
on virtual time (its own clock, given with `using`), where a sleep moves the clock on at once instead of waiting.
The tool itself runs on real time; the one exception is the test-only `ASIGNIO_SETUP_TEST_TIME_SCALE`
(CONTRIBUTING.md), which the kill -9 tests give the processes they start so that waits measured in minutes take
seconds.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from wizard.errors import BadInputError

TIME_SCALE_VARIABLE = "ASIGNIO_SETUP_TEST_TIME_SCALE"
"""Test only: `FACTOR@EPOCH` runs the clock FACTOR times faster than real time from the Unix time EPOCH on. Every
process of one test is given the same value, so they agree on the time."""


class Clock:
    """Real time."""

    def now(self) -> datetime:
        """Wall time, as an aware UTC datetime."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for measuring how long something has taken."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ScaledClock(Clock):
    """Time that runs `scale` times faster than real time from `epoch` (Unix time) on: a wait of a minute takes
    `60 / scale` real seconds, and two processes with the same scale and epoch read the same wall time."""

    def __init__(self, scale: float, epoch: float) -> None:
        if not (scale > 0 and math.isfinite(scale) and math.isfinite(epoch)):
            raise ValueError(f"no clock runs {scale!r} times as fast from {epoch!r} on")
        self.scale = scale
        self.epoch = epoch

    @classmethod
    def parse(cls, setting: str) -> ScaledClock:
        """The clock a TIME_SCALE_VARIABLE value (`FACTOR@EPOCH`, as `setting` gives it) names."""
        scale, _, epoch = setting.partition("@")
        try:
            return cls(float(scale), float(epoch))
        except ValueError:
            raise BadInputError(
                f"{TIME_SCALE_VARIABLE}={setting!r} is not FACTOR@EPOCH (a factor above 0, a Unix time)",
                f"{TIME_SCALE_VARIABLE} is for the project's own tests: unset it",
            ) from None

    @property
    def setting(self) -> str:
        """The value of TIME_SCALE_VARIABLE that gives another process this clock."""
        return f"{self.scale!r}@{self.epoch!r}"

    def now(self) -> datetime:
        real = time.time()
        return datetime.fromtimestamp(self.epoch + (real - self.epoch) * self.scale, UTC)

    def monotonic(self) -> float:
        return time.monotonic() * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.scale)


_current: Clock | None = None
AnyClock = TypeVar("AnyClock", bound=Clock)


def current() -> Clock:
    """The clock in use: the one `using` gave, else real time (or the test-only scaled time the environment asks
    for, read once)."""
    global _current
    if _current is None:
        setting = os.environ.get(TIME_SCALE_VARIABLE)
        _current = ScaledClock.parse(setting) if setting else Clock()
    return _current


@contextmanager
def using(clock: AnyClock) -> Iterator[AnyClock]:
    """`clock` for everything in the process until the block ends (threads included: the simulator's too)."""
    global _current
    previous = _current
    _current = clock
    try:
        yield clock
    finally:
        _current = previous


def now() -> datetime:
    return current().now()


def monotonic() -> float:
    return current().monotonic()


async def sleep(seconds: float) -> None:
    await current().sleep(seconds)
