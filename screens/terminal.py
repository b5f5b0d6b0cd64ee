"""What the terminal the wizard runs in can do for a link: copy it (OSC 52) or open it in a browser. Neither gives an
answer back, so the wizard says only what it knows: copied where the terminal is known to take OSC 52, not copied
where it is known not to, "sent" otherwise; and no browser where there is no desktop to open one on."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


class Reach(Enum):
    """Whether a clipboard write through the terminal lands."""

    KNOWN = "known"
    UNKNOWN = "unknown"
    REFUSED = "refused"


OSC_52_TERMINALS = {
    "iTerm.app": "iTerm2",
    "WezTerm": "WezTerm",
    "ghostty": "Ghostty",
}
"""TERM_PROGRAM values of terminals that take a clipboard write from a program (OSC 52) by default."""
OSC_52_TERMS = ("xterm-kitty", "alacritty", "foot", "xterm-ghostty", "wezterm")
"""TERM values (prefixes) of terminals that take OSC 52 by default."""


@dataclass(frozen=True)
class ClipboardReach:
    reach: Reach
    terminal: str
    """The terminal as the operator knows it."""
    advice: str = ""
    """What lets the write through, where something in between decides."""


def clipboard_reach(environ: Mapping[str, str] = os.environ) -> ClipboardReach:
    """What the environment says about OSC 52 (Textual copies by writing it to the terminal)."""
    if environ.get("TMUX"):
        return ClipboardReach(Reach.UNKNOWN, "tmux", "; tmux passes it on with `set -g set-clipboard on`")
    if environ.get("STY"):
        return ClipboardReach(Reach.UNKNOWN, "GNU screen")
    program = environ.get("TERM_PROGRAM", "")
    if program == "Apple_Terminal":
        return ClipboardReach(Reach.REFUSED, "macOS Terminal")
    if program in OSC_52_TERMINALS:
        return ClipboardReach(Reach.KNOWN, OSC_52_TERMINALS[program])
    term = environ.get("TERM", "")
    if environ.get("KITTY_WINDOW_ID") or term.startswith(OSC_52_TERMS):
        return ClipboardReach(Reach.KNOWN, term or "kitty")
    if environ.get("WT_SESSION"):
        return ClipboardReach(Reach.KNOWN, "Windows Terminal")
    return ClipboardReach(Reach.UNKNOWN, "this terminal")


def copy_said(what: str, environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The sentence after a copy of `what` (one that starts a sentence, "The Run-now URL"), and whether it is a
    warning."""
    found = clipboard_reach(environ)
    if found.reach is Reach.KNOWN:
        return f"{what} copied to the clipboard.", False
    if found.reach is Reach.REFUSED:
        return (
            f"Not copied: {found.terminal} does not let programs set the clipboard (OSC 52). Select {lower(what)} on "
            "the screen instead; it is printed again when you quit.",
            True,
        )
    return (
        f"{what} sent to the clipboard through {found.terminal} (OSC 52){found.advice}. If nothing pastes, the "
        "terminal does not allow it: select it on the screen; it is printed again when you quit.",
        False,
    )


def copy_and_say(app: App[Any], text: str, what: str) -> None:
    """Copy through the terminal (Textual writes OSC 52) and say only what can be known of it."""
    app.copy_to_clipboard(text)
    said, warning = copy_said(what)
    app.notify(said, severity="warning" if warning else "information", timeout=10 if warning else 5)


def lower(what: str) -> str:
    return what[:1].lower() + what[1:]


def browser_problem(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> str | None:
    """Why a browser cannot open here for the operator, or None when one may. A browser of the remote machine over
    SSH, or a text browser taking over this terminal, would not help."""
    if environ.get("BROWSER"):
        return None
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"):
        return "This is an SSH session: a browser would open on the remote machine, not on yours."
    desktop = environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")
    if (platform.startswith("linux") or "bsd" in platform) and not desktop:
        return "There is no desktop here to open a browser on (no DISPLAY)."
    return None
