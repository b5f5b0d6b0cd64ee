"""What may leave the process: every known secret value scrubbed, and every control character shown escaped.

One registry knows the process's secret values: the Asignio Client Secret, the sign-in app's client secret and the
access token are added the moment they are read (`remember_secret`). `scrub` takes each of them out of a text,
whatever echoed it back (a server's error message, an exception, a log line), along with anything shaped like a
bearer token or a JWT. `printable` shows control characters (ESC sequences, BEL, CR, C1 controls, bidirectional
overrides) as escapes, so text from a server cannot clear the screen, retitle the terminal or fake a line.

Where each is applied: text from outside is made `printable` where it enters (Graph's error messages, the names a
tenant gives back); every exit (the messages on stderr and stdout, `--json` lines, the log, the state file, the
events the TUI shows, exception text) passes `outgoing`, which scrubs and escapes what is left.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
SECRET_LOOKING = re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+|\beyJ[\w-]*\.[\w-]+\.[\w-]*")
"""A bearer token or a JWT: neither may reach a message, even one whose value the process never read."""
INVISIBLE_FORMATTING = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional marks, embeddings, overrides and isolates: text that reorders what the terminal shows."""
LAYOUT = frozenset("\n\t")
"""Line breaks and tabs: kept in the project's own texts of several lines (once outside text in them is escaped)."""

_known: set[str] = set()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def _spellings(value: str) -> set[str]:
    """`value` as a server may echo it back: as sent, escaped inside a JSON string, URL-encoded in a form body, or
    quoted by repr."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
        repr(value)[1:-1],
    }


def remember_secret(value: str | None) -> None:
    """From now on `value` (stripped; nothing when empty) is taken out of every text that leaves the process."""
    global _pattern
    secret = (value or "").strip()
    if not secret:
        return
    with _lock:
        if secret in _known:
            return
        _known.update(_spellings(secret))
        longest_first = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(known) for known in longest_first))


def forget_secrets() -> None:
    """Empty the registry (a test's end; the process otherwise keeps what it read until it exits)."""
    global _pattern
    with _lock:
        _known.clear()
        _pattern = None


def scrub(text: str) -> str:
    """`text` with every known secret value, and anything shaped like a bearer token or a JWT, replaced."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return SECRET_LOOKING.sub(REDACTED, text)


def _is_control(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in INVISIBLE_FORMATTING


def _escaped(text: str, escape: Callable[[str], str], *, keep: frozenset[str]) -> str:
    """`text` with each control character not in `keep` replaced by its `escape`: only the distinct characters that
    are not printable are looked at, and the text is rewritten in one pass (the state file, written after every step,
    holds line breaks on every line)."""
    if text.isprintable():
        return text
    controls = {
        ord(character): escape(character)
        for character in set(text)
        if not character.isprintable() and character not in keep and _is_control(character)
    }
    return text.translate(controls) if controls else text


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with each control character shown as its escape (ESC as `\\x1b`, CR as `\\r`, LF as `\\n`); with
    `multiline`, line breaks and tabs stay (for the project's own texts of several lines)."""
    return _escaped(text, lambda character: repr(character)[1:-1], keep=LAYOUT if multiline else frozenset())


def outgoing(text: str, *, multiline: bool = False) -> str:
    """A text on its way out of the process: secrets scrubbed, control characters escaped (with `multiline`, line
    breaks and tabs kept)."""
    return printable(scrub(text), multiline=multiline)


def scrubbed(value: Any) -> Any:
    """A JSON-like value with every string in it scrubbed (the state file, a `--json` line): the structure and
    every other value stay as they are."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list | tuple):
        return [scrubbed(item) for item in value]
    if isinstance(value, dict):
        return {key: scrubbed(item) for key, item in value.items()}
    return value


def json_text(data: Any, **options: Any) -> str:
    """`data` as JSON with every string scrubbed, and the control characters JSON itself leaves raw (DEL, C1, the
    line separators, bidirectional overrides) written as `\\u` escapes: the same value for a JSON reader, and nothing
    a terminal showing the line would act on."""
    text = json.dumps(scrubbed(data), ensure_ascii=False, **options)
    return _escaped(text, lambda character: f"\\u{ord(character):04x}", keep=LAYOUT)
