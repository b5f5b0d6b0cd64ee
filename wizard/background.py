"""An asyncio loop on a daemon thread, where a session's Graph work runs when the caller's own loop must stay free.

The wizard's UI loop must never stall, and the Graph SDK spends real CPU in every call (parsing, lazy imports).
The SDK's HTTP client belongs to the loop it first ran on, so all calls of one session go to this one loop; the
caller (a UI thread worker) blocks on `run` while the loop does the work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CANCEL_POLL_SECONDS = 0.05
"""How often a waiting `run` asks whether its caller was cancelled."""


class BackgroundLoop:
    """One event loop running forever on its own daemon thread until `stop`."""

    def __init__(self, name: str = "background-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `work` on the loop; await it from another loop with `asyncio.wrap_future`."""
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def run(self, work: Coroutine[Any, Any, T], *, cancelled: Callable[[], bool] = lambda: False) -> T:
        """Run `work` on the loop and wait for it in the calling thread; its exception is raised here as it is.

        When `cancelled()` turns true the work is cancelled and `concurrent.futures.CancelledError` is raised.
        """
        future = self.submit(work)
        while not future.done():
            concurrent.futures.wait([future], timeout=CANCEL_POLL_SECONDS)
            if not future.done() and cancelled():
                future.cancel()
        return future.result()

    def stop(self) -> None:
        """Cancel the work still running, then end the loop and its thread."""
        if self._thread.is_alive():
            self.submit(_cancel_other_tasks()).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()


async def _cancel_other_tasks() -> None:
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
