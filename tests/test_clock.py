"""The tool's one clock: real time by default, scaled time for a process a kill -9 test starts, and the tests' virtual
time (tests/support/virtual_clock.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from tests.support.paths import PROJECT_ROOT
from tests.support.virtual_clock import VirtualClock
from wizard import clock
from wizard.clock import TIME_SCALE_VARIABLE, Clock, ScaledClock
from wizard.errors import BadInputError

PRINT_THE_TIME = "from wizard import clock; print(type(clock.current()).__name__, clock.now().timestamp())"


def time_in_a_process(environment: dict[str, str]) -> tuple[str, float]:
    printed = subprocess.run(
        [sys.executable, "-c", PRINT_THE_TIME],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **environment},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return printed[0], float(printed[1])


def test_a_process_given_the_time_scale_reads_the_same_time_as_the_clock_that_gave_it() -> None:
    """The kill -9 tests' killed process and the test agree on the time: one scale, one epoch, one reading."""
    scaled = ScaledClock(1000.0, time.time() - 60)
    before = scaled.now().timestamp()
    kind, read = time_in_a_process({TIME_SCALE_VARIABLE: scaled.setting})
    after = scaled.now().timestamp()
    assert kind == "ScaledClock"
    assert before <= read <= after
    assert before > time.time() + 50_000, "a minute at a thousand times is more than half a day"


def test_without_the_variable_a_process_runs_on_real_time() -> None:
    before = time.time()
    kind, read = time_in_a_process({})
    assert kind == "Clock"
    assert before <= read <= time.time()


@pytest.mark.parametrize("setting", ["10", "ten@1700000000", "0@1700000000", "-3@1700000000", "10@never", "inf@1"])
def test_a_time_scale_that_is_not_a_factor_and_an_epoch_is_refused_with_a_sentence(setting: str) -> None:
    with pytest.raises(BadInputError) as refused:
        ScaledClock.parse(setting)
    assert f"{TIME_SCALE_VARIABLE}={setting!r} is not FACTOR@EPOCH" in refused.value.what
    assert "unset it" in refused.value.fix


def test_using_a_clock_gives_it_to_everything_until_the_block_ends() -> None:
    outer = clock.current()
    scaled = ScaledClock(2.0, time.time())
    with clock.using(scaled):
        assert clock.current() is scaled
    assert clock.current() is outer


async def test_on_virtual_time_sleepers_side_by_side_share_the_skipped_time_and_wake_in_order() -> None:
    """Two waits at once end when the longer one would: the clock skips 8 s, not 8.5, and the short one wakes first,
    though it started second."""
    virtual = VirtualClock()
    woke: list[str] = []
    start = virtual.monotonic()

    async def wait(name: str, seconds: float) -> None:
        await virtual.sleep(seconds)
        woke.append(name)

    await asyncio.gather(wait("long", 8.0), wait("short", 0.5))
    assert woke == ["short", "long"]
    assert virtual.waits == [8.0, 0.5]
    assert 8.0 <= virtual.monotonic() - start < 8.5


async def test_a_wait_on_virtual_time_ends_at_once_when_it_would_and_the_clock_never_falls_behind_real_time() -> None:
    virtual = VirtualClock()
    start, wall = virtual.monotonic(), virtual.now()
    await virtual.sleep(3600)
    assert virtual.monotonic() - start >= 3600 and (virtual.now() - wall).total_seconds() >= 3600
    real, real_wall = Clock().monotonic(), datetime.now(UTC)
    assert virtual.monotonic() - real > 3500 and (virtual.now() - real_wall).total_seconds() > 3500
