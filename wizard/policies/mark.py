"""The comment asignio-setup puts in every policy it uploads, so the tenant itself shows what the tool wrote.

`trustFrameworkPolicy` has no property but its id (the content is the XML), so the mark is an XML comment, the
root element's first child: which tool wrote the policy, for which setup, whether the tool made the policy or
changed one that was there, and the SHA-256 of the policy's canonical XML without the comment. While that hash
holds, the policy is provably what the tool uploaded, even on a machine with no state; once someone edits it, it no
longer is, and the tool keeps it. XML comments are allowed anywhere in element content, so the policy still
validates against the official XSD, and B2C keeps comments (the starter packs are full of them).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from wizard.policies.splice import TOKEN
from wizard.policies.xmlsafe import UnsafeXmlError, canonical

MARK = re.compile(
    rb"(?:\r?\n[ \t]*)?<!-- asignio-setup (made|changed) this policy\b.*?"
    rb"SHA-256 of its canonical XML without this comment: ([0-9a-f]{64})\b.*?-->",
    re.DOTALL,
)


@dataclass(frozen=True)
class Mark:
    """What a policy's asignio-setup comment says, and whether it still holds."""

    made: bool
    """The tool made the policy (the tenant had none of that id); else it changed one that was there."""
    holds: bool
    """The policy without the comment is still exactly what the comment's hash says."""


def canonical_digest(content: bytes) -> str | None:
    """SHA-256 of the policy's canonical XML (see xmlsafe.canonical); None when it does not parse."""
    try:
        return hashlib.sha256(canonical(content)).hexdigest()
    except UnsafeXmlError:
        return None


def unmarked(content: bytes) -> bytes:
    """The policy without asignio-setup's comment (byte for byte otherwise)."""
    return MARK.sub(b"", content)


def read_mark(content: bytes) -> Mark | None:
    """The policy's asignio-setup comment, or None when it has none."""
    found = MARK.search(content)
    if found is None:
        return None
    return Mark(made=found.group(1) == b"made", holds=canonical_digest(unmarked(content)) == found.group(2).decode())


def marked(content: bytes, *, made: bool, tenant_domain: str) -> bytes:
    """The policy with asignio-setup's comment (an earlier one replaced) as the root element's first child. A
    document whose root cannot be found in its bytes is returned as it is (it will not upload either)."""
    bare = unmarked(content)
    digest = canonical_digest(bare)
    root_start = _root_start_tag_end(bare)
    if digest is None or root_start is None:
        return bare
    setup = tenant_domain.replace("--", "-")  # a comment may not hold "--"
    comment = (
        f"<!-- asignio-setup {'made' if made else 'changed'} this policy for the Asignio setup of {setup}. "
        f"SHA-256 of its canonical XML without this comment: {digest}. asignio-setup remove deletes or restores "
        "it only while that holds. -->"
    ).encode()
    return bare[:root_start] + b"\n  " + comment + bare[root_start:]


def _root_start_tag_end(content: bytes) -> int | None:
    """Where the root element's start tag ends in the bytes (after the declaration and any prolog comments)."""
    for token in TOKEN.finditer(content):
        text = token.group()
        if text.startswith((b"<?", b"<!")):
            continue
        if text.startswith(b"</") or text.endswith(b"/>"):
            return None
        return token.end()
    return None
