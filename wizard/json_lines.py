"""`--json`: every run event as one JSON object per line, generic over the event dataclasses.

The object is the event's fields plus `"event"` (the class name in snake case), so a new event type prints without
changes here; the last line, `summary`, is each command's own (`write_summary`). A SetupError becomes its sentence, the
fix and the exit code. Every line is scrubbed of every known secret, and no raw control character reaches the
terminal (wizard.outgoing.json_text).
"""

from __future__ import annotations

import contextvars
import dataclasses
import re
from typing import Any, TextIO

from wizard.errors import SetupError
from wizard.events import Event
from wizard.outgoing import json_text


def event_name(event: object) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()


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
    """The last line of every --json run (of each tenant's lines, when there are several); a second one for the same
    run or tenant (an error while closing after it, say) is not written: its sentence still goes to stderr."""
    promise = SUMMARY.get()
    if promise is not None and not promise.claim(fields.get("tenant")):
        return
    write_line(out, {"event": "summary", **fields, "exit_code": int(exit_code)})


class SummaryPromise:
    """`--json`'s promise: stdout ends with one summary line (one per tenant when several answers files run),
    whatever ends the run: a step's failure, an error before any step, Ctrl-C, a flag refused. `cli.main` makes it
    and keeps it: every summary written is noted here, and the ones still owed are written as the run ends, with its
    exit code and what the command noted so far (a remove's `removed`)."""

    def __init__(self, out: TextIO, **fields: Any) -> None:
        self.out = out
        self._fields = fields
        """What the command's summary holds when the run ends before the command wrote its own."""
        self._noted: dict[str | None, dict[str, Any]] = {}
        self._tenants: list[str] = []
        self._written: set[str | None] = set()

    def expect(self, tenant: str) -> None:
        """A run of several tenants owes each its own summary (and none of the whole run)."""
        if tenant not in self._tenants:
            self._tenants.append(tenant)

    def note(self, tenant: str | None, **fields: Any) -> None:
        self._noted.setdefault(tenant, {}).update(fields)

    def fields(self, tenant: str | None) -> dict[str, Any]:
        """What `tenant`'s summary holds, should the run end now."""
        return {**self._fields, **self._noted.get(tenant, {})}

    def claim(self, tenant: str | None) -> bool:
        """True the first time a summary of `tenant` (None: of the run) is about to be written, False after."""
        if tenant in self._written:
            return False
        self._written.add(tenant)
        return True

    def keep(self, exit_code: int) -> None:
        """Writes the summaries still owed: each tenant's, or the run's own when it ran no tenants side by side."""
        owners: list[str | None] = [*self._tenants] or [None]
        for tenant in owners:
            tag = {} if tenant is None else {"tenant": tenant}
            write_summary(self.out, exit_code, **tag, **self.fields(tenant))


SUMMARY: contextvars.ContextVar[SummaryPromise | None] = contextvars.ContextVar("json_summary", default=None)
"""The promise of the `--json` run under way (asyncio tasks and worker threads share it: a context copy holds the
same object)."""


def note_summary(tenant: str | None = None, **fields: Any) -> None:
    """What the run's summary says should the run end before the command writes it (nothing without `--json`)."""
    promise = SUMMARY.get()
    if promise is not None:
        promise.note(tenant, **fields)


def summary_fields(tenant: str | None = None) -> dict[str, Any]:
    promise = SUMMARY.get()
    return promise.fields(tenant) if promise is not None else {}


def expect_summary(tenant: str) -> None:
    promise = SUMMARY.get()
    if promise is not None:
        promise.expect(tenant)
