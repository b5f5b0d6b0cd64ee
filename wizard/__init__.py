"""asignio-setup's headless core: answers, policies, tenant automation. Never imports Textual."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, read from the installed package's metadata (pyproject.toml is the one source of truth for it)
    only when asked: only `--version` needs it, and the lookup searches every installed distribution (and loads
    importlib.metadata, for a start that builds no model and no Graph client)."""
    if name == "__version__":
        from importlib.metadata import version

        return version("asignio-setup")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
