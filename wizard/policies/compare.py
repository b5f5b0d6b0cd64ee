"""Two versions of a policy: a diff for the operator, and whether they say the same thing."""

from __future__ import annotations

import difflib

from wizard.policies.xmlsafe import BOM, UnsafeXmlError, canonical


def diff(old: bytes | None, new: bytes, name: str) -> str:
    """A unified diff of a policy before and after, for the review screen; empty when nothing changes."""

    def lines(data: bytes | None) -> list[str]:
        if data is None:
            return []
        return data.removeprefix(BOM).decode("utf-8", errors="replace").splitlines(keepends=True)

    before = f"{name} (in the tenant)" if old is not None else "/dev/null"
    return "".join(difflib.unified_diff(lines(old), lines(new), fromfile=before, tofile=f"{name} (generated)"))


def same_content(current: bytes | None, wanted: bytes) -> bool:
    """Whether the tenant's copy already says what `wanted` says, however B2C re-serialised it (a BOM, the
    declaration, line endings, indentation): uploads and backups happen only for real changes."""
    if current is None:
        return False
    if current == wanted:
        return True
    try:
        return canonical(current) == canonical(wanted)
    except UnsafeXmlError:
        return False
