"""asignio-setup's headless core: answers, policies, tenant automation. Never imports Textual."""

__version__ = "0.1.0"
