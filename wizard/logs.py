"""`--log-file` and `--debug`: the standard `logging` tree under `wizard.`, for the operator and for Microsoft support.

Each Graph call is one DEBUG line from `wizard.graph.transport` (method, path, status, duration, request-id and
client-request-id, the ids support asks for). Bodies are never logged, and every record is scrubbed of every known
secret value (wizard.outgoing) and kept to one line, so neither a secret a server echoed into a message nor a
control character faking a line gets in. The file is the operator's own: 0600, never followed through a link.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import logging
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from wizard.errors import BadInputError, SetupError
from wizard.files import kind_of, write_failure
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


LOG_FILE_FIX = "give --log-file the path of a file in a folder you can write (it is created if missing)"


def _unusable(path: Path, error: OSError) -> SetupError:
    """Why the log cannot be opened, in words: a link (which O_NOFOLLOW reports as "too many levels of symbolic
    links") or a FIFO nobody reads (ENXIO) is named for what it is."""
    if error.errno == errno.ELOOP and path.is_symlink():
        return BadInputError(f"{path}: is a symbolic link, and a log is never written through one", LOG_FILE_FIX)
    if error.errno == errno.ENXIO:
        with contextlib.suppress(OSError):
            return BadInputError(f"{path}: is {kind_of(os.lstat(path).st_mode)}, not a regular file", LOG_FILE_FIX)
    return write_failure(error, path, LOG_FILE_FIX)


def _open_private(path: Path) -> TextIO:
    """The log file, opened to append, private to the operator. Only a regular file: a FIFO would block the run
    until someone reads it (the open does not wait: O_NONBLOCK, which a regular file ignores), a device is no log."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as error:
        raise _unusable(path, error) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise BadInputError(f"{path}: is {kind_of(mode)}, not a regular file", LOG_FILE_FIX)
    if hasattr(os, "fchmod"):  # an existing file keeps its mode through os.open: make it private too
        os.fchmod(descriptor, 0o600)
    return open(descriptor, "a", encoding="utf-8")


class LogFile(logging.StreamHandler[TextIO]):
    """The `--log-file` handler. A log that cannot be written any more (a full disk, a quota) is said once on
    stderr and logging stops there: the run goes on, since the log serves support and the setup is the job (its
    state file says for itself when it cannot be written)."""

    def __init__(self, stream: TextIO, path: Path) -> None:
        super().__init__(stream)
        self.path = path
        self.stopped = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.stopped:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)  # a bug of ours: logging's own report
            return
        self.stop(error)

    def stop(self, error: OSError) -> None:
        if self.stopped:
            return
        self.stopped = True
        with contextlib.suppress(OSError):
            self.stream.close()
        failure = write_failure(error, self.path, LOG_FILE_FIX)
        print(f"warning: the log {failure.what}: logging stopped there; the run goes on", file=sys.stderr, flush=True)

    def close(self) -> None:
        try:
            if not self.stopped:
                self.stream.close()
        except OSError as error:  # the last lines could not be flushed
            self.stop(error)
        finally:
            super().close()


@contextlib.contextmanager
def logging_to(path: Path | None, *, debug: bool) -> Iterator[None]:
    """While the command runs, `wizard.*` loggers write to `path` (or to stderr with `--debug` alone); INFO and up,
    everything with `debug`. Nothing is set up when neither is asked for."""
    if path is None and not debug:
        yield
        return
    handler = logging.StreamHandler(sys.stderr) if path is None else LogFile(_open_private(path), path)
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
            handler.close()
