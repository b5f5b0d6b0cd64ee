"""The XML fragments in policy_templates/, rendered for one set of answers and one base chain."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from lxml import etree

from wizard.answers import Answers
from wizard.policies.xmlsafe import NS, parse_xml

TEMPLATE_NAMESPACE = "urn:asignio-setup:template"
WHEN = f"{{{TEMPLATE_NAMESPACE}}}when"
UNLESS_DEFINED = f"{{{TEMPLATE_NAMESPACE}}}unless-defined"
AUGMENTS = f"{{{TEMPLATE_NAMESPACE}}}augments"
TEXT = f"{{{TEMPLATE_NAMESPACE}}}text"
ATTRIBUTE = f"{{{TEMPLATE_NAMESPACE}}}attribute"

EXTENSIONS_TEMPLATE = "asignio_extensions.xml"
RELYING_PARTY_TEMPLATE = "relying_party.xml"


@functools.cache
def _template(name: str) -> etree._ElementTree:
    data = resources.files("policy_templates").joinpath(name).read_bytes()
    return parse_xml(data, f"policy_templates/{name}")


def load_template(name: str) -> etree._Element:
    """A fresh copy of a template's root element (parsed once per process)."""
    return copy.deepcopy(_template(name).getroot())


@dataclass(frozen=True)
class Conditions:
    """What the template's tpl:when attributes are decided by."""

    mfa: bool
    local_accounts: bool

    def holds(self, condition: str) -> bool:
        return {"mfa": self.mfa, "local-accounts": self.local_accounts}[condition]


def answer_value(answers: Answers, dotted: str) -> str:
    value: object = answers
    for part in dotted.split("."):
        value = getattr(value, part)
    return str(value)


def render(
    root: etree._Element,
    answers: Answers,
    conditions: Conditions,
    keep: Callable[[etree._Element], bool],
) -> etree._Element:
    """Drop elements whose condition fails or that `keep` rejects, fill in answers, strip the template markup."""
    for element in list(root.iter(etree.Element))[1:]:
        if root not in element.iterancestors():
            continue
        condition = element.get(WHEN)
        if (condition is not None and not conditions.holds(condition)) or not keep(element):
            element.getparent().remove(element)
    for element in root.iter(etree.Element):
        if (path := element.get(TEXT)) is not None:
            element.text = answer_value(answers, path)
        if (spec := element.get(ATTRIBUTE)) is not None:
            attribute, path = spec.split()
            element.set(attribute, answer_value(answers, path))
    for element in root.iter(etree.Element):
        for attribute in [name for name in element.attrib if name.startswith(f"{{{TEMPLATE_NAMESPACE}}}")]:
            del element.attrib[attribute]
    etree.cleanup_namespaces(root)
    return root


@dataclass(frozen=True)
class AsignioClaimsProvider:
    """What the Asignio claims provider the tool writes tells B2C: the `<Domain>` a `domain_hint` picks it by, and
    the metadata of the request B2C sends the browser with."""

    domain: str
    authorization_endpoint: str
    scope: str


def asignio_claims_provider() -> AsignioClaimsProvider:
    """Read from the extensions template: the one claims provider in it with a `<Domain>` is Asignio's."""
    root = _template(EXTENSIONS_TEMPLATE).getroot()
    provider = next(
        provider
        for provider in root.iterfind("b:ClaimsProviders/b:ClaimsProvider", NS)
        if provider.find("b:Domain", NS) is not None
    )
    items = {
        item.get("Key"): (item.text or "").strip()
        for item in provider.iterfind("b:TechnicalProfiles/b:TechnicalProfile/b:Metadata/b:Item", NS)
    }
    return AsignioClaimsProvider(
        domain=(provider.findtext("b:Domain", "", NS) or "").strip(),
        authorization_endpoint=items["authorization_endpoint"],
        scope=items["scope"],
    )
