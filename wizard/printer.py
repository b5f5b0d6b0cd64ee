"""How every headless command prints the runner's events: self-contained lines on the terminal, and with `--json`
one JSON object a line (wizard.json_lines). The words are `render`'s (wizard.rendering); here they are laid out."""

from __future__ import annotations

from typing import Any, TextIO

from wizard.errors import SetupError
from wizard.events import Event, ProbeRetrying
from wizard.json_lines import error_fields, event_object, expect_summary, summary_fields, write_line, write_summary
from wizard.outgoing import outgoing
from wizard.rendering import FIX_LABEL, MARKS, Rendered, Tone, render


class EventPrinter:
    """Turns runner events into self-contained lines (steps may run at once, so lines name their step)."""

    def __init__(self, out: TextIO, err: TextIO, *, json_lines: bool = False, tenant: str | None = None) -> None:
        self.out = out
        self.err = err
        self.json_lines = json_lines
        """With `--json`: the JSON objects go to `out` and every human line to `err`."""
        self.tenant = tenant
        """In a run of several answers files, the tenant this printer speaks for: its human lines all go to `err`,
        each prefixed `tenant: ` (`out` keeps the summary lines), and its JSON objects carry `"tenant"`."""
        if json_lines and tenant is not None:
            expect_summary(tenant)

    def __call__(self, event: Event) -> None:
        if self.json_lines:
            self.write_json(event_object(event))
        rendered = render(event)
        urgent = rendered.tone in (Tone.FAILED, Tone.WARNING) or isinstance(event, ProbeRetrying)
        self.say(terminal_lines(rendered), self.err if urgent else self.human)

    @property
    def human(self) -> TextIO:
        """Where the human lines go: stdout, unless it carries the JSON objects or several tenants' summaries."""
        return self.err if self.json_lines or self.tenant else self.out

    def say(self, lines: list[str], stream: TextIO) -> None:
        """Each line as it may leave the process (wizard.outgoing): no secret, no raw control character."""
        prefix = f"{self.tenant}: " if self.tenant else ""
        for line in lines:
            print(outgoing(prefix + line, multiline=True), file=stream, flush=True)

    def _tag(self) -> dict[str, str]:
        return {} if self.tenant is None else {"tenant": self.tenant}

    def write_json(self, data: dict[str, Any]) -> None:
        write_line(self.out, {"event": data["event"], **self._tag(), **data})

    def summary(self, exit_code: int, **fields: Any) -> None:
        """The run's last JSON line (of this tenant's lines, when there are several)."""
        write_summary(self.out, exit_code, **self._tag(), **fields)

    def failed(self, error: SetupError, *, summarise: bool = True, say: bool = True) -> None:
        """An error that ended the run outside any step (the sign-in, a state folder), as the CLI reports one: its
        sentence (`say`), and with `--json` its failed line and (`summarise`) the summary."""
        if self.json_lines:
            self.write_json({"event": "failed", "step": None, **error_fields(error)})
            if summarise:
                self.summary(error.exit_code, **summary_fields(self.tenant))
        if say:
            self.say([f"error: {error.what}", *([f"  what to do: {error.fix}"] if error.fix else [])], self.err)


def terminal_lines(rendered: Rendered) -> list[str]:
    """An event's words as the terminal prints them: steps run at once, so each line names its step (by its id)."""
    named = f"{rendered.step}: " if rendered.step else ""
    match rendered.tone:
        case Tone.STARTED:
            return [f"{rendered.text} ({rendered.step})"]
        case Tone.NOTE:
            return [f"      {named}{rendered.text}"]
        case Tone.WARNING:
            return [f"{MARKS[Tone.WARNING]} {rendered.text}"]
    colon = ":" if rendered.introduces_details and rendered.details else ""
    return [
        f"  {MARKS[rendered.tone]} {named}{rendered.text}{colon}",
        *(f"      {line}" for line in rendered.details),
        *([f"    {FIX_LABEL}: {rendered.fix}"] if rendered.fix else []),
    ]
