"""The official TrustFrameworkPolicy XSD: finding it, compiling it once, checking policies against it."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from wizard.errors import BadInputError
from wizard.policies.problems import Problem
from wizard.policies.xmlsafe import safe_parser
from wizard.starter_pack_files import pinned_xsd

XSD_NAME = "TrustFrameworkPolicy_0.3.0.0.xsd"
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_XSD_FOLDER = Path("..") / "shared" / "b2c" / "xsd"


def find_xsd(explicit: Path | None = None) -> Path | None:
    """The explicit path (a file or a folder holding the XSD), else ../shared/b2c/xsd from cwd or the project,
    else the pinned commit's XSD from the user cache (downloaded once, SHA-256 checked); None when offline."""
    if explicit is not None:
        candidate = explicit / XSD_NAME if explicit.is_dir() else explicit
        if not candidate.is_file():
            raise BadInputError(f"{explicit}: no XSD there", f"give the path of {XSD_NAME} or leave --xsd out")
        return candidate
    for folder in (Path.cwd() / SHARED_XSD_FOLDER, PROJECT_ROOT / SHARED_XSD_FOLDER):
        candidate = folder / XSD_NAME
        if candidate.is_file():
            return candidate.resolve()
    return pinned_xsd()


def deanchor(pattern: str) -> str:
    """W3C XSD regexes are implicitly anchored, so `^` and `$` are literal there; drop them as the authors meant."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def load_schema(path: Path) -> etree.XMLSchema:
    """Compile the XSD with its anchored patterns fixed in memory; compiled once per file version."""
    resolved = path.resolve()
    return _compile(resolved, resolved.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _compile(path: Path, _mtime_ns: int) -> etree.XMLSchema:
    try:
        document = etree.parse(str(path), safe_parser())
        for facet in document.iter(f"{{{XSD_NAMESPACE}}}pattern"):
            facet.set("value", deanchor(facet.get("value", "")))
        return etree.XMLSchema(document)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as error:
        raise BadInputError(f"{path}: not a usable XSD ({error})", f"give the official {XSD_NAME}") from None


def schema_problems(schema: etree.XMLSchema, tree: etree._ElementTree, name: str) -> list[Problem]:
    """Each XSD violation as a located Problem."""
    if schema.validate(tree):
        return []
    return [
        Problem(
            name,
            entry.line or None,
            f"does not follow the B2C policy schema: {entry.message}",
            "change the element so it matches TrustFrameworkPolicy_0.3.0.0.xsd (names, order, allowed values)",
        )
        for entry in schema.error_log
    ]
