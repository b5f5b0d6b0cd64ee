"""Where the state files live, without the state model: the wizard asks "is anything saved?" while its first screen
paints, and importing the model (pydantic, the answers) costs more than the answer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import platformdirs

DEMO_PROGRESS_SUFFIX = ".progress"


def state_dir() -> Path:
    """The platform's per-user state folder (honours XDG_STATE_HOME on Linux)."""
    return platformdirs.user_state_path("asignio-setup", appauthor=False)


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
