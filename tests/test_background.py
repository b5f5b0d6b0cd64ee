"""The background loop the wizard runs a session's Graph work on, off the UI's loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from wizard.background import BackgroundLoop
from wizard.errors import SetupError


@pytest.fixture
def background() -> Iterator[BackgroundLoop]:
    loop = BackgroundLoop()
    yield loop
    loop.stop()


def test_run_returns_the_result_computed_on_the_loop_thread(background: BackgroundLoop) -> None:
    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert background.run(where()) == "background-loop"


def test_every_call_runs_on_the_same_loop(background: BackgroundLoop) -> None:
    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    assert background.run(running_loop()) is background.run(running_loop())


def test_an_exception_reaches_the_caller_with_its_type(background: BackgroundLoop) -> None:
    async def fail() -> None:
        raise SetupError("the tenant said no", "ask again")

    with pytest.raises(SetupError) as raised:
        background.run(fail())
    assert raised.value.fix == "ask again"


def endless_work() -> tuple[threading.Event, threading.Event, Coroutine[Any, Any, None]]:
    """Work that runs until it is cancelled, saying when it started and when it was cancelled."""
    started, cancelled = threading.Event(), threading.Event()

    async def endless() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    return started, cancelled, endless()


def test_cancelling_the_caller_cancels_the_work(background: BackgroundLoop) -> None:
    started, cancelled, work = endless_work()
    with pytest.raises(concurrent.futures.CancelledError):
        background.run(work, cancelled=started.is_set)
    assert cancelled.wait(timeout=10)


def test_awaiting_submitted_work_from_another_loop(background: BackgroundLoop) -> None:
    async def double(value: int) -> int:
        return value * 2

    async def caller() -> int:
        return await asyncio.wrap_future(background.submit(double(21)))

    assert asyncio.run(caller()) == 42


def test_stop_cancels_work_still_running() -> None:
    loop = BackgroundLoop()
    started, cancelled, work = endless_work()
    future = loop.submit(work)
    assert started.wait(timeout=10)
    loop.stop()
    assert cancelled.is_set() and future.cancelled()
