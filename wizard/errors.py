"""The project's own errors: each says what is wrong, what to do, and which exit code it ends with."""

from __future__ import annotations

import reprlib
from enum import IntEnum
from typing import Any

from wizard.outgoing import outgoing


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxlevel, short.maxdict, short.maxlist, short.maxtuple = 3, 4, 4, 4
    short.maxstring = short.maxother = 80
    return short


_SHORT = _short_repr()


def shown(value: Any) -> str:
    """A value as a message quotes it: its repr, cut short, so a megabyte value or a deeply nested one stays one
    readable line (and a control character in it shows as an escape)."""
    return _SHORT.repr(value)


class ExitCode(IntEnum):
    """Exit codes of `asignio-setup`; documented in the README."""

    OK = 0
    UNEXPECTED = 1
    BAD_INPUT = 2
    SIGN_IN = 3
    PERMISSION = 4
    TENANT = 5
    SERVICE = 6
    PENDING = 7
    CHANGES_PENDING = 8
    """`plan` found work to do: the tenant does not match the answers yet."""
    SIGN_IN_WOULD_FAIL = 9
    """`verify` (or a setup's last step): the setup is in place, but a browser's sign-in would not reach Asignio or
    Asignio would refuse it."""
    INTERRUPTED = 130


NOT_FAILURES = (ExitCode.OK, ExitCode.PENDING, ExitCode.CHANGES_PENDING)
"""Codes that are no failure, least severe first: done, portal steps waiting, changes pending (`plan` only)."""


def worst_exit_code(codes: list[ExitCode]) -> ExitCode:
    """The exit code of a run of several tenants (README: exit codes): any failure beats 8, which beats 7, which
    beats 0; among failures the highest code wins. A pipeline reads one code; each tenant's own is on its line."""

    def severity(code: ExitCode) -> int:
        return NOT_FAILURES.index(code) if code in NOT_FAILURES else len(NOT_FAILURES) + int(code)

    return max(codes, key=severity, default=ExitCode.OK)


class SetupError(Exception):
    """An error the operator can act on: a sentence of what is wrong and one of what to do."""

    exit_code: ExitCode = ExitCode.UNEXPECTED
    refused_by_graph: bool = False
    """True when Graph answered that it did not do the request (a 4xx): a create that ended so made nothing."""

    def __init__(self, what: str, fix: str = "", *, exit_code: ExitCode | None = None) -> None:
        what, fix = outgoing(what, multiline=True), outgoing(fix, multiline=True)
        super().__init__(what)
        self.what = what
        self.fix = fix
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        """The one-line form every screen and report uses: what is wrong — what to do."""
        return f"{self.what} — {self.fix}" if self.fix else self.what


class BadInputError(SetupError):
    """The answers, a file or a folder given on the command line is wrong."""

    exit_code = ExitCode.BAD_INPUT


class SignInError(SetupError):
    """No usable token for the tenant."""

    exit_code = ExitCode.SIGN_IN


class PermissionMissingError(SetupError):
    """The signed-in identity lacks a Graph permission or a directory role."""

    exit_code = ExitCode.PERMISSION


class TenantNotReadyError(SetupError):
    """The tenant is not one this tool can set up as it is (wrong type, missing base policy...)."""

    exit_code = ExitCode.TENANT


class ServiceError(SetupError):
    """Graph or B2C refused or failed a request; the run can be resumed."""

    exit_code = ExitCode.SERVICE


class DiskFullError(SetupError):
    """A file could not be written for want of space; the run resumes once there is some."""

    exit_code = ExitCode.SERVICE


class SignInWouldFailError(SetupError):
    """A probe of the sign-in found what a user would meet: the message names the probe, what it expected and what
    it saw; the fix says what to change."""

    exit_code = ExitCode.SIGN_IN_WOULD_FAIL


class PolicyError(SetupError):
    """A policy cannot be generated or does not validate."""

    exit_code = ExitCode.BAD_INPUT


def unexpected(error: Exception, where: str) -> SetupError:
    """A failure nobody foresaw, said plainly; the run stays resumable."""
    return SetupError(
        f"Unexpected {type(error).__name__} in {where}: {error}",
        "this is a bug in asignio-setup: run the same command again to resume, and please report it",
        exit_code=ExitCode.UNEXPECTED,
    )
