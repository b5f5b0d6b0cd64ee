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
BARE = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Bare(App):\n    def compose(self):\n        yield Static('hello')\napp = Bare()"
)
WIZARD = "from screens.app import AsignioSetupApp\napp = AsignioSetupApp()"


def first_screen_seconds(setup: str) -> float:
    """A fresh interpreter each time, so imports are paid as a user pays them."""
    code = FIRST_SCREEN.format(setup=setup)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


STALLS_SHOWN = 5
GRAPH_GROUPS = {"sign-in", "inspect", "review", "run"}
"""The app's worker groups that talk to the tenant."""


async def longest_stalls_during_run() -> tuple[float, float, list[tuple[float, str]]]:
    """Drive the demo wizard through a user-flow run while a ticker measures how late the event loop wakes it:
    the longest stall overall, the longest while Graph work was in flight (screen changes excluded), and the longest
    few with the screen they ended on, to say where to look."""
    sys.path.insert(0, str(ROOT))
    from screens.app import AsignioSetupApp
    from screens.ask import AskScreen
    from screens.done import DoneScreen
    from screens.progress import ProgressScreen
    from wizard.demo import DemoOptions

    app = AsignioSetupApp(demo=DemoOptions())
    worst = worst_during_graph = 0.0
    stalls: list[tuple[float, str]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        running = True

        def graph_in_flight() -> bool:
            return any(worker.group in GRAPH_GROUPS and worker.is_running for worker in app.workers)

        async def ticker() -> None:
            nonlocal worst, worst_during_graph
            while running:
                before = time.perf_counter()
                screen = app.screen
                in_flight = graph_in_flight()
                await asyncio.sleep(0.01)
                stall = time.perf_counter() - before - 0.01
                worst = max(worst, stall)
                stalls.append((stall, f"{type(screen).__name__}->{type(app.screen).__name__}"))
                if in_flight and graph_in_flight() and app.screen is screen:
                    worst_during_graph = max(worst_during_graph, stall)

        task = asyncio.create_task(ticker())
        for _ in range(30):
            screen = app.screen
            if isinstance(screen, DoneScreen):
                break
            portal_step = isinstance(screen, ProgressScreen) and screen.waiting and not screen.running
            # A portal step is confirmed on purpose: Tab to "I did it: confirm", then to "Yes, it is done".
            await pilot.press(*(("tab", "enter") if portal_step or isinstance(screen, AskScreen) else ("enter",)))
            await app.workers.wait_for_complete()
            await pilot.pause()
        running = False
        await task
    return worst, worst_during_graph, sorted(stalls, reverse=True)[:STALLS_SHOWN]


def main() -> None:
    os.environ.setdefault("XDG_STATE_HOME", tempfile.mkdtemp())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    bare = min(first_screen_seconds(BARE) for _ in range(3))
    wizard = min(first_screen_seconds(WIZARD) for _ in range(3))
    print(
        f"first screen ready: bare Textual app {bare * 1000:.0f} ms, wizard {wizard * 1000:.0f} ms "
        f"({wizard / bare:.2f}x; aim <= 1.3x)"
    )
    stall, during_graph, longest = asyncio.run(longest_stalls_during_run())
    print(
        f"longest event-loop stall during a full simulated run: {stall * 1000:.0f} ms (aim < 50 ms); "
        f"while Graph work was in flight on an unchanged screen: {during_graph * 1000:.0f} ms"
    )
    print(
        "longest stalls (screen before -> after): "
        + ", ".join(f"{seconds * 1000:.0f} ms {screens}" for seconds, screens in longest)
    )


if __name__ == "__main__":
    main()
