"""`--log-file` and `--debug`: the standard `logging` tree under `wizard.`, for the operator and for Microsoft support.

Each Graph call is one DEBUG line from `wizard.graph.transport` (method, path, status, duration, request-id and
client-request-id, the ids support asks for). Bodies are never logged, and every record is scrubbed of every known
secret value (wizard.outgoing) and kept to one line, so neither a secret a server echoed into a message nor a
control character faking a line gets in. The file is the operator's own: 0600, never followed through a link.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from wizard.files import write_failure
from wizard.outgoing import printable, scrub

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
RUN_TENANT: contextvars.ContextVar[str | None] = contextvars.ContextVar("run_tenant", default=None)
"""In a run of several tenants, the tenant the current task works for (each task has its own context, and
`asyncio.to_thread` carries it along), so interleaved lines say whose they are."""


class Redacting(logging.Filter):
    """Formats the record once, scrubs every known secret out of it, escapes its control characters so it stays one
    line, and names the tenant when several run at once."""

    def filter(self, record: logging.LogRecord) -> bool:
        tenant = RUN_TENANT.get()
        message = printable(scrub(record.getMessage()))
        record.msg, record.args = (f"{tenant}: {message}" if tenant else message), ()
        return True


def _open_private(path: Path) -> TextIO:
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as error:
        raise write_failure(error, path, "give --log-file a path in a folder you can write") from None
    if hasattr(os, "fchmod"):  # an existing file keeps its mode through os.open: make it private too
        os.fchmod(descriptor, 0o600)
    return open(descriptor, "a", encoding="utf-8")


@contextlib.contextmanager
def logging_to(path: Path | None, *, debug: bool) -> Iterator[None]:
    """While the command runs, `wizard.*` loggers write to `path` (or to stderr with `--debug` alone); INFO and up,
    everything with `debug`. Nothing is set up when neither is asked for."""
    if path is None and not debug:
        yield
        return
    stream = sys.stderr if path is None else _open_private(path)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(Redacting())
    root = logging.getLogger("wizard")
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        if path is not None:
            stream.close()
