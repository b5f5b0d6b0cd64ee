"""Every screen's stylesheet is read once at start-up, scoped to its screen: one screen's rules never style another's,
and pushing a screen never makes Textual re-parse the app's CSS."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.color import Color

from screens.app import SCREEN_STYLESHEETS, AsignioSetupApp
from screens.device_code import DeviceCodeScreen
from screens.error import ErrorScreen
from tests.support.tui import SCREENS
from wizard.errors import SetupError


def test_every_screen_stylesheet_is_read_at_start_up_scoped_to_its_screen() -> None:
    app = AsignioSetupApp()
    assert sorted(SCREEN_STYLESHEETS) == sorted(screen.__name__ for screen in SCREENS)
    for screen_type in SCREENS:
        assert isinstance(screen_type.CSS_PATH, str)
        path = Path(inspect.getfile(screen_type)).parent / screen_type.CSS_PATH
        assert app.stylesheet.has_source(str(path), ""), f"{screen_type.__name__}'s {path.name} is not read at start-up"
        assert app.stylesheet.source[(str(path), "")].scope == screen_type.__name__


async def test_each_dialog_keeps_its_own_border_and_no_push_reparses_the_css() -> None:
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        reparses: list[None] = []
        reparse = app.stylesheet.reparse
        app.stylesheet.reparse = lambda: (reparses.append(None), reparse())[1]  # type: ignore[method-assign]
        code = DeviceCodeScreen(
            "https://microsoft.com/devicelogin", "ABCD-EFGH", datetime.now(UTC) + timedelta(minutes=5)
        )
        await app.push_screen(code)
        await app.push_screen(ErrorScreen(SetupError("It stopped", "try again")))
        await pilot.pause()
        device_border = code.query_one("#dialog").styles.border_top
        error_border = app.screen.query_one("#dialog").styles.border_top
        assert device_border == ("thick", Color.parse(app.theme_variables["accent"]))
        assert error_border == ("thick", Color.parse(app.theme_variables["error"]))
        assert reparses == []
