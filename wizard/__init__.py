"""asignio-setup's headless core: answers, policies, tenant automation. Never imports Textual."""

from importlib.metadata import version

# pyproject.toml is the one source of truth for the version; the installed package's metadata carries it.
__version__ = version("asignio-setup")
