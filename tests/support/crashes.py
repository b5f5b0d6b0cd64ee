"""A run stopped right after its k-th write, as a crash would stop it: in this process (`crash_after_write`), or a
real process killed with SIGKILL (`killed_after_write`, the `slow` tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.faults import faults_of
from tests.support.headless import pipeline_environment
from tests.support.paths import PROJECT_ROOT
from tests.support.virtual_clock import VirtualClock
from wizard import clock
from wizard.clock import TIME_SCALE_VARIABLE, ScaledClock
from wizard.simulator import SimulatorServer

if TYPE_CHECKING:
    from httpx import Response

    from wizard.permissions import Operation

CRASH_LAG_SECONDS = 2.0
"""The in-process crash tests' replication lag (virtual time): the re-run starts moments after the crash, so every
object the crashed run made is still hidden from it."""
KILL_TEST_LAG_SECONDS = 10.0
"""The kill -9 tests' replication lag on their clock (a second of real time: see kill_clock in tests/conftest.py):
longer than the re-run in the test's process takes to start after the kill, so it meets objects it cannot see yet;
well inside the lag budget, so a write that came late (after waiting for what it refers to) still shows within the
budget counted from its intent."""


class Crash(SystemExit):
    """The process dies here (a kill -9), as far as the run can tell. A SystemExit raised from an event-loop callback
    leaves the loop at once, held by no task, and no `except Exception` of the tool catches it to record anything;
    asyncio.run then cancels the tasks left, so no step goes on (their cancelling only closes what the OS would
    close for a killed process: connections, the lock)."""


def _die(write: int) -> None:
    raise Crash(f"killed right after write {write}")


@contextmanager
def crash_after_write(server: SimulatorServer, count: int) -> Iterator[None]:
    """The run in the block dies (a Crash out of it) the moment Graph's answer to its `count`-th write reaches it,
    before the tool can look at the answer: the write is in the tenant, and the state file holds nothing after it.
    The server holds every request that comes later and drops them once the run is gone, as for a killed process,
    and the block ends once the server has carried out what the run had sent before (on virtual time the next run
    would otherwise race a write in flight with its whole lag budget). The crash is the only thing added to the
    real Graph layer: the request and its answer go through it as ever."""
    from wizard.graph.transport import Transport

    original = Transport.send
    answered = 0

    async def send(transport: Transport, operation: Operation, method: str, path: str, **options: Any) -> Response:
        nonlocal answered
        response = await original(transport, operation, method, path, **options)
        if method != "GET":
            answered += 1
            if answered == count:
                asyncio.get_running_loop().call_soon(_die, count)
                await asyncio.Event().wait()  # the answer never reaches the step
        return response

    faults_of(server).stall_after_writes(count)
    try:
        with pytest.MonkeyPatch.context() as patch, pytest.raises(Crash):
            patch.setattr(Transport, "send", send)
            yield
    finally:
        faults_of(server).release()
        assert faults_of(server).wait_until_idle(timeout=60), "the server still answers the crashed run"


@contextmanager
def killed_after_write(
    server: SimulatorServer, kill_after: int, argv: Sequence[str], *, module: str = "wizard"
) -> Iterator[None]:
    """`python -m <module> *argv` against `server` (with the test's state folder), held by the server right after its
    `kill_after`-th write and killed there with SIGKILL; the block then runs (the re-run). The process runs on the
    test's clock (the kill_clock fixture's scale and epoch), so both read the same time. It is killed and the server
    released on the way out, whatever happens."""
    test_clock = clock.current()
    assert isinstance(test_clock, VirtualClock) and isinstance(test_clock.base, ScaledClock), "use kill_clock"
    assert test_clock.skipped == 0, "the killed process reads the test's clock without what the test skipped"
    faults_of(server).stall_after_writes(kill_after)
    environment = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        TIME_SCALE_VARIABLE: test_clock.base.setting,
        **pipeline_environment(server),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", module, *argv], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert faults_of(server).wait_until_stalled(timeout=300), f"the run never made {kill_after} writes"
        process.kill()
        process.wait()
        faults_of(server).release()
        yield
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        faults_of(server).release()


def interruptible(argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    """`argv` started so that a SIGINT reaches it as Ctrl-C from a terminal does, its output piped as text, even when
    the tests run with SIGINT ignored (a background job of a script ignores it, and a child inherits that): such a
    child never sees the interrupt, and its test waits out Graph's read timeout before failing."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a handled signal is back to default in the child
    try:
        return subprocess.Popen(list(argv), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
