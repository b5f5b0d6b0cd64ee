"""One renderer for every event: the terminal's lines and the wizard's log say the same words, and an event type
without words cannot be added unnoticed."""

from __future__ import annotations

import io
from typing import get_args

from screens.progress import log_text
from wizard.errors import TenantNotReadyError
from wizard.events import (
    Event,
    ProbeChecked,
    ProbeRetrying,
    ProbeStatus,
    RunNotice,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepWaiting,
)
from wizard.printer import EventPrinter
from wizard.rendering import render

LINK = "https://portal.azure.com/#blade/userJourneys"
FAULT = TenantNotReadyError("B2C_1A_AsignioSUSI was refused", "upload the base policies first")

TERMINAL: list[tuple[Event, list[str]]] = [
    (
        StepStarted("relying-party", "Upload the Asignio policy", 3, 9),
        ["[3/9] Upload the Asignio policy (relying-party)"],
    ),
    (
        StepProgress("relying-party", "uploading B2C_1A_AsignioSUSI"),
        ["      relying-party: uploading B2C_1A_AsignioSUSI"],
    ),
    (StepDone("relying-party", "B2C_1A_AsignioSUSI created"), ["  ✓ relying-party: B2C_1A_AsignioSUSI created"]),
    (StepSkipped("provider", "Asignio found"), ["  = provider: already done: Asignio found"]),
    (
        StepSkipped("remove-test-app", "Asignio test: not made by asignio-setup: kept", kept=True),
        ["  = remove-test-app: Asignio test: not made by asignio-setup: kept"],
    ),
    (
        StepWaiting("local-accounts-off", ("Open the link.", "Select None."), LINK),
        [
            "  … local-accounts-off: waiting for you in the Azure portal:",
            f"      {LINK}",
            "      1. Open the link.",
            "      2. Select None.",
        ],
    ),
    (
        StepFailed("relying-party", FAULT),
        ["  ✗ relying-party: B2C_1A_AsignioSUSI was refused", "    what to do: upload the base policies first"],
    ),
    (RunNotice("the state folder was open to other users"), ["warning: the state folder was open to other users"]),
    (
        ProbeChecked("policy-serves", "B2C serves B2C_1A_AsignioSUSI", ProbeStatus.PASSED, "HTTP 200", "HTTP 200"),
        ["  ✓ B2C serves B2C_1A_AsignioSUSI: HTTP 200"],
    ),
    (
        ProbeChecked("asignio-accepts", "Asignio accepts", ProbeStatus.NOT_CHECKED, "", "not checked: B2C failed"),
        ["  – Asignio accepts: not checked: B2C failed"],
    ),
    (
        ProbeChecked("asignio-accepts", "Asignio accepts", ProbeStatus.FAILED, "a sign-in page", "HTTP 400", "fix it"),
        ["  ✗ Asignio accepts", "      expected: a sign-in page", "      seen: HTTP 400", "    what to do: fix it"],
    ),
    (
        ProbeRetrying("policy-serves", "not serving yet, retrying in 5 s", 5.0),
        ["      not serving yet, retrying in 5 s"],
    ),
]
"""Each kind of event as `asignio-setup run` prints it, line for line (pipelines and the README rely on them)."""


def test_every_event_type_has_words() -> None:
    assert {type(event) for event, _ in TERMINAL} == set(get_args(Event))


def test_the_terminal_prints_each_event_as_it_always_has() -> None:
    for event, lines in TERMINAL:
        out, err = io.StringIO(), io.StringIO()
        EventPrinter(out, err)(event)
        assert (out.getvalue() + err.getvalue()).splitlines() == lines, event


def test_the_wizards_log_says_the_terminals_words() -> None:
    """The log names a step by its title, and leaves a portal step's link and instructions to its panel."""
    for event, _ in TERMINAL:
        if isinstance(event, StepStarted | ProbeChecked | ProbeRetrying):
            continue  # a row shows a started step; the probes have the Done screen's list
        rendered = render(event)
        logged = log_text(rendered, "Title").plain
        assert rendered.text in logged and rendered.fix in logged
        assert logged.startswith(("Title: ", "✓ Title: ", "= Title: ", "⏸ Title: ", "✗ Title: ", "⚠ "))


def test_a_failure_goes_to_stderr_and_progress_to_stdout() -> None:
    cases: list[tuple[Event, bool]] = [
        (StepFailed("relying-party", FAULT), True),
        (StepProgress("relying-party", "..."), False),
    ]
    for event, urgent in cases:
        out, err = io.StringIO(), io.StringIO()
        EventPrinter(out, err)(event)
        assert bool(err.getvalue()) is urgent and bool(out.getvalue()) is not urgent
