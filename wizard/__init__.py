"""asignio-setup's headless core: answers, policies, tenant automation. Never imports Textual."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, read from the installed package's metadata (pyproject.toml is the one source of truth for it)
    only when asked: loading importlib.metadata would cost every start, and only `--version` needs it."""
    if name == "__version__":
        from importlib.metadata import version

        return version("asignio-setup")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
