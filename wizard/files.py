"""Files the operator names, read so that a FIFO, a device or a huge file never hangs the tool or fills its memory;
and why writing one failed, said so that a full disk or a read-only folder is a sentence, never a traceback."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from wizard.errors import BadInputError, DiskFullError, SetupError

MEGABYTE = 1024 * 1024
ANSWERS_FILE_LIMIT = 1 * MEGABYTE
POLICY_FILE_LIMIT = 4 * MEGABYTE
"""B2C's own limit on a policy file is far smaller; this only keeps a wrong file from filling the memory."""
FULL_DISK = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


class UnreadableFileError(BadInputError):
    """A file that cannot be read as one: `reason` says why without the path (for lists that name the file)."""

    def __init__(self, path: Path, role: str, reason: str, fix: str) -> None:
        super().__init__(f"{path}: the {role} {reason}", fix)
        self.reason = reason


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path: Path, *, limit: int, role: str) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes; anything else is an UnreadableFileError
    naming the path and why. Opened without blocking, so a FIFO with no writer is refused instead of waited for."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if path.is_symlink():
            raise UnreadableFileError(
                path, role, "is a symbolic link to nothing", "point the link at the file, or remove it"
            ) from None
        raise UnreadableFileError(path, role, "does not exist", f"give the path of an existing {role}") from None
    except OSError as error:
        raise UnreadableFileError(
            path, role, f"cannot be opened ({error.strerror or error})", "check the path and its permissions"
        ) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise UnreadableFileError(
            path, role, f"is {kind_of(mode)}, not a regular file", f"give the path of a {role} on disk"
        )
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise UnreadableFileError(
                path, role, f"cannot be read ({error.strerror or error})", "check the file and its disk"
            ) from None
    if len(data) > limit:
        raise UnreadableFileError(
            path,
            role,
            f"is larger than {limit // MEGABYTE} MB, the most this tool reads",
            f"give the right file: a {role} is far smaller than that",
        )
    return data


def write_failure(error: OSError, path: Path, fix: str) -> SetupError:
    """Why writing at `path` failed, as a sentence: a full disk can be resumed once there is space (exit 6); a
    read-only, forbidden or misshapen place is the operator's to fix with `fix` (exit 2)."""
    reason = error.strerror or type(error).__name__
    if error.errno in FULL_DISK:
        return DiskFullError(f"{path}: cannot be written, the disk is full ({reason})", "free space, then run again")
    if error.errno == errno.EROFS:
        reason = "the file system is read-only"
    elif isinstance(error, PermissionError):
        reason = "permission denied"
    elif isinstance(error, NotADirectoryError | FileExistsError):
        reason = "a file is where a folder should be"
    elif isinstance(error, IsADirectoryError):
        reason = "a folder is where a file should be"
    return BadInputError(f"{path}: cannot be written ({reason})", fix)
