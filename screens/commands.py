"""The command palette's wizard commands (Ctrl+P): every key the screen beneath binds for what it offers right now,
by name (open the portal page, copy the URL, save the answers...), and this screen's help. A screen that binds a new
key (the Done screen's verify, say) is in the palette with it, under the key's description."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.types import IgnoreReturnCallbackType


class WizardCommands(Provider):
    """The current screen's own actions, enabled ones only, each named as its help says."""

    def commands(self) -> list[tuple[str, str, IgnoreReturnCallbackType]]:
        screen = self.screen
        found: dict[str, tuple[str, str, IgnoreReturnCallbackType]] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is not screen or not active.enabled or not binding.description or not binding.show:
                continue
            said = binding.tooltip or binding.description
            found.setdefault(binding.action, (binding.description, said, partial(screen.run_action, binding.action)))
        found["help"] = ("Help: the keys of this screen", "What this screen is for and every key it takes", self.help)
        return list(found.values())

    async def help(self) -> None:
        await self.app.run_action("help")

    async def discover(self) -> Hits:
        for name, said, command in self.commands():
            yield DiscoveryHit(name, command, help=said)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, said, command in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=said)
