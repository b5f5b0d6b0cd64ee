"""Small, whitespace-aware edits of a parsed policy, so merged files stay readable and re-runs stay byte-identical."""

from __future__ import annotations

from lxml import etree

from wizard.policies.xmlsafe import q

INDENT = "  "
ROOT_ORDER = [
    "BasePolicy",
    "PolicyConstraints",
    "Contacts",
    "DocumentReferences",
    "BuildingBlocks",
    "ClaimsProviders",
    "UserJourneys",
    "SubJourneys",
    "RelyingParty",
]
BUILDING_BLOCKS_ORDER = [
    "ClaimsSchema",
    "Predicates",
    "InputValidations",
    "PredicateValidations",
    "ClaimsTransformations",
    "ClientDefinitions",
    "ContentDefinitions",
    "Localization",
    "DisplayControls",
]
TECHNICAL_PROFILE_ORDER = [
    "Domains",
    "Domain",
    "DisplayName",
    "Description",
    "Protocol",
    "InputTokenFormat",
    "OutputTokenFormat",
    "AssuranceLevelOfOutputClaims",
    "RequiredAssuranceLevelsOfInputClaims",
    "SubjectAuthenticationRequirements",
    "Metadata",
    "CryptographicKeys",
    "Suppressions",
    "PreferredBinding",
    "IncludeInSso",
    "InputTokenSources",
    "InputClaimsTransformations",
    "InputClaims",
    "DisplayClaims",
    "PersistedClaims",
    "OutputClaims",
    "OutputClaimsTransformations",
    "ValidationTechnicalProfiles",
    "SubjectNamingInfo",
    "Extensions",
    "IncludeClaimsFromTechnicalProfile",
    "IncludeTechnicalProfile",
    "UseTechnicalProfileForSessionManagement",
    "ErrorHandlers",
]


def _newline(level: int) -> str:
    return "\n" + INDENT * level


def depth(element: etree._Element) -> int:
    return sum(1 for _ in element.iterancestors())


def insert_child(parent: etree._Element, index: int, child: etree._Element) -> None:
    """Insert `child` at `index` among the parent's nodes, indented like its new siblings.

    An empty parent keeps its blank lines and the line of its end tag, so the tenant's lines stay as they were.
    """
    level = depth(parent) + 1
    etree.indent(child, space=INDENT, level=level)
    if len(parent) == 0:
        text = parent.text or ""
        if text.strip() or "\n" not in text:
            parent.text = _newline(level)
            child.tail = _newline(level - 1)
        else:
            last_line = text.rindex("\n")
            parent.text = text[:last_line] + _newline(level)
            child.tail = text[last_line:]
        parent.append(child)
        return
    if index == 0:
        child.tail = parent.text if parent.text and not parent.text.strip() else _newline(level)
        parent.text = _newline(level)
    else:
        previous = parent[index - 1]
        child.tail = previous.tail
        previous.tail = _newline(level)
    parent.insert(index, child)


def append_child(parent: etree._Element, child: etree._Element) -> None:
    insert_child(parent, len(parent), child)


def replace_child(old: etree._Element, new: etree._Element) -> None:
    """Put `new` where `old` was, keeping the whitespace that followed `old`."""
    etree.indent(new, space=INDENT, level=depth(old))
    new.tail = old.tail
    parent = old.getparent()
    assert parent is not None, "a definition always has a parent section"
    parent.replace(old, new)


def ensure_child(parent: etree._Element, name: str, order: list[str]) -> etree._Element:
    """The parent's `name` child, created in schema order when missing."""
    existing = parent.find(q(name))
    if existing is not None:
        return existing
    created = etree.Element(q(name))
    rank = order.index(name)
    index = 0
    for position, node in enumerate(parent):
        if isinstance(node.tag, str) and etree.QName(node).localname in order[:rank]:
            index = position + 1
    insert_child(parent, index, created)
    return created
