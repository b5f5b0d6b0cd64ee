"""Time to the wizard's first screen against a bare Textual app, and the longest event-loop stall in a demo run.

Prints numbers; asserts nothing. Run: .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_SCREEN = """
import time, asyncio
started = time.perf_counter()
{setup}
async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - started)
asyncio.run(main())
"""
BARE = "from textual.app import App\nfrom textual.widgets import Static\nclass Bare(App):\n    def compose(self):\n        yield Static('hello')\napp = Bare()"
WIZARD = "from screens.app import AsignioSetupApp\napp = AsignioSetupApp(warm_up=False)"


def first_screen_seconds(setup: str) -> float:
    """A fresh interpreter each time, so imports are paid as a user pays them."""
    code = FIRST_SCREEN.format(setup=setup)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


async def longest_stall_during_run() -> float:
    """Drive the demo wizard through a user-flow run while a ticker measures how late the event loop wakes it."""
    sys.path.insert(0, str(ROOT))
    from screens.app import AsignioSetupApp
    from screens.done import DoneScreen

    app = AsignioSetupApp(demo=True, warm_up=True)
    worst = 0.0
    async with app.run_test(size=(80, 24)) as pilot:
        running = True

        async def ticker() -> None:
            nonlocal worst
            while running:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                worst = max(worst, time.perf_counter() - before - 0.01)

        task = asyncio.create_task(ticker())
        for _ in range(20):
            if isinstance(app.screen, DoneScreen):
                break
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        running = False
        await task
    return worst


def main() -> None:
    os.environ.setdefault("XDG_STATE_HOME", tempfile.mkdtemp())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    bare = min(first_screen_seconds(BARE) for _ in range(3))
    wizard = min(first_screen_seconds(WIZARD) for _ in range(3))
    print(f"first screen ready: bare Textual app {bare * 1000:.0f} ms, wizard {wizard * 1000:.0f} ms "
          f"({wizard / bare:.2f}x; aim <= 1.3x)")
    stall = asyncio.run(longest_stall_during_run())
    print(f"longest event-loop stall during a full simulated run: {stall * 1000:.0f} ms (aim < 100 ms)")


if __name__ == "__main__":
    main()
