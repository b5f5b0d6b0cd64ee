"""`--json`: every run event as one JSON object per line, generic over the event dataclasses.

The object is the event's fields plus `"event"` (the class name in snake case; `RunFinished` is the `summary`), so
a new event type (such as those of a removal) prints without changes here. A SetupError becomes its sentence, the
fix and the exit code. Every line is scrubbed of every known secret, and no raw control character reaches the
terminal (wizard.outgoing.json_text).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TextIO

from wizard.errors import SetupError
from wizard.events import Event, RunFinished
from wizard.outgoing import json_text

EVENT_NAMES: dict[type, str] = {RunFinished: "summary"}
"""Event classes whose line name is not simply their class name in snake case."""


def event_name(event: object) -> str:
    cls = type(event)
    return EVENT_NAMES.get(cls) or re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def error_fields(error: SetupError) -> dict[str, Any]:
    return {"message": error.what, "fix": error.fix, "exit_code": int(error.exit_code)}


def _plain(value: Any) -> Any:
    if isinstance(value, SetupError):
        return error_fields(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def event_object(event: Event) -> dict[str, Any]:
    fields = {field.name: _plain(getattr(event, field.name)) for field in dataclasses.fields(event)}
    error = fields.pop("error", None)
    return {"event": event_name(event), **fields, **(error or {})}


def write_line(out: TextIO, data: dict[str, Any]) -> None:
    print(json_text(data), file=out, flush=True)


def write_summary(out: TextIO, exit_code: int, **fields: Any) -> None:
    """The last line of every --json run."""
    write_line(out, {"event": "summary", **fields, "exit_code": int(exit_code)})
