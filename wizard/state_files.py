"""Where the state files live, without the state model: the wizard asks "is anything saved?" while its first screen
paints, and importing the model (pydantic, the answers) costs more than the answer."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

STATE_DIR_VARIABLE = "ASIGNIO_SETUP_STATE_DIR"
"""The state folder a pipeline keeps between runs; `--state-dir` sets it for the command it is given to."""

DEMO_PROGRESS_SUFFIX = ".progress"


def state_dir() -> Path:
    """The state folder: `--state-dir`, else ASIGNIO_SETUP_STATE_DIR (unless empty), else the platform's per-user
    state folder (which honours XDG_STATE_HOME on Linux)."""
    chosen = os.environ.get(STATE_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser().absolute()
    return platformdirs.user_state_path("asignio-setup", appauthor=False)


@contextmanager
def state_dir_chosen(folder: Path | None) -> Iterator[None]:
    """`--state-dir`: for the command's length, `folder` is the state folder, whatever ASIGNIO_SETUP_STATE_DIR says
    (the variable is set to it, then put back); None leaves the choice to the variable and the platform."""
    if folder is None:
        yield
        return
    before = os.environ.get(STATE_DIR_VARIABLE)
    os.environ[STATE_DIR_VARIABLE] = str(folder.expanduser().absolute())
    try:
        yield
    finally:
        if before is None:
            del os.environ[STATE_DIR_VARIABLE]
        else:
            os.environ[STATE_DIR_VARIABLE] = before


def state_files(folder: Path | None = None) -> list[Path]:
    """Every tenant's state file, by name."""
    return sorted((folder or state_dir()).glob("*.json"))


def demo_state_dir(demo_state: Path | None) -> Path:
    """Where a demo keeps its progress, never among the real runs': beside the `--demo-state` file whose simulated
    tenant it describes (`tenant.json` → `tenant.json.progress/`); for a simulated tenant that lives only in memory, a
    new temporary folder, which the caller removes when the demo ends (its tenant is gone then too)."""
    if demo_state is not None:
        return demo_state.with_name(demo_state.name + DEMO_PROGRESS_SUFFIX)
    return Path(tempfile.mkdtemp(prefix="asignio-setup-demo-"))
