"""Where the state files live, without the state model: the wizard asks "is anything saved?" while its first screen
paints, and importing the model (pydantic, the answers) costs more than the answer."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def state_dir() -> Path:
    """The platform's per-user state folder (honours XDG_STATE_HOME on Linux)."""
    return platformdirs.user_state_path("asignio-setup", appauthor=False)


def state_files(folder: Path | None = None) -> list[Path]:
    """Every tenant's state file, by name."""
    return sorted((folder or state_dir()).glob("*.json"))
