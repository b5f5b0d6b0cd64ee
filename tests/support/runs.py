"""Saved runs as the runner leaves them in the state folder."""

from __future__ import annotations

from datetime import UTC, datetime

from wizard.answers import parse_answers
from wizard.events import StepStatus
from wizard.state import RunState, SavedRun, StateStore, StepRecord, saved_runs

STOPPED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def save_stopped_run() -> None:
    """A custom-policy setup of contoso stopped after two steps, written as the runner would."""
    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy"},
        }
    )
    steps = {
        "preflight": StepRecord(status=StepStatus.DONE, updated_at=STOPPED_AT),
        "policy-key": StepRecord(status=StepStatus.DONE, updated_at=STOPPED_AT),
        "extensions": StepRecord(status=StepStatus.FAILED, updated_at=STOPPED_AT),
    }
    state = RunState(tenant="contoso", answers=answers, steps=steps, updated_at=STOPPED_AT)
    path = StateStore("contoso").path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(state.model_dump_json())


def unfinished_runs() -> list[SavedRun]:
    """Every tenant whose setup was started and not finished, newest first (what the welcome screen offers to
    resume)."""
    return saved_runs()[0]
