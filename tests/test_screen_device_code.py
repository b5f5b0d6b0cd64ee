"""The device-code modal: code and URL shown, open and copy work from the keyboard, Esc cancels the sign-in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerState

from screens.app import AsignioSetupApp
from screens.device_code import DeviceCodeScreen
from tests.support.tui import SnapCompare

URL = "https://microsoft.com/devicelogin"
CODE = "GTX4PLK2Q"
EXPIRES = datetime(2026, 11, 21, 16, 45, tzinfo=UTC)


async def test_open_copy_and_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsignioSetupApp()
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    closed: list[bool | None] = []
    async with app.run_test() as pilot:
        waiting = app.run_worker(pilot.pause(3600), group="sign-in", exit_on_error=False)
        app.push_screen(DeviceCodeScreen(URL, CODE, EXPIRES), closed.append)
        await pilot.pause()
        await pilot.press("o")
        assert opened == [URL]
        await pilot.press("c")
        assert app.clipboard == CODE
        await pilot.press("escape")
        await pilot.pause()
        assert closed == [False]
        assert not isinstance(app.screen, DeviceCodeScreen)
        await app.workers.wait_for_complete()
        assert waiting.state is WorkerState.CANCELLED


async def _show_code(pilot: Pilot[int]) -> None:
    await pilot.app.push_screen(DeviceCodeScreen(URL, CODE, EXPIRES))
    await pilot.pause()


def test_device_code_snapshot(snap_compare: SnapCompare) -> None:
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=_show_code)
