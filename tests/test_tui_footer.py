"""The footer shows the screen's keys, and is rebuilt only when they change."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from screens.app import AsignioSetupApp
from screens.tenant import TenantScreen
from tests.support.tui import settle


async def test_the_footer_keeps_its_keys_until_the_bindings_shown_change() -> None:
    app = AsignioSetupApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        assert [key.key for key in keys] == ["ctrl+q", "f1", "ctrl+p"]
        app.screen.refresh_bindings()
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == keys, "nothing shown changed: the same keys stay"

        await app.push_screen(TenantScreen())
        await settle(pilot)
        assert "escape" in [key.key for key in app.screen.query(FooterKey)]


async def test_below_100_columns_the_footer_packs_its_keys_and_leaves_the_palette_key_out() -> None:
    app = AsignioSetupApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert [key.key for key in app.screen.query(FooterKey)] == ["ctrl+q", "f1", "ctrl+p"]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert [key.key for key in app.screen.query(FooterKey)] == ["ctrl+q", "f1"]
        assert all(key.compact for key in app.screen.query(FooterKey))
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert [key.key for key in app.screen.query(FooterKey)] == ["ctrl+q", "f1", "ctrl+p"]
