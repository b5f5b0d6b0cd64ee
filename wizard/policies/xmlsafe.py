"""Parsing untrusted policy XML safely, and writing policies the way Graph accepts them."""

from __future__ import annotations

from lxml import etree

from wizard.policies.problems import Problem

NAMESPACE = "http://schemas.microsoft.com/online/cpim/schemas/2013/06"
NS = {"b": NAMESPACE}
ROOT_TAG = f"{{{NAMESPACE}}}TrustFrameworkPolicy"
BOM = b"\xef\xbb\xbf"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def q(name: str) -> str:
    """The qualified tag of a B2C policy element."""
    return f"{{{NAMESPACE}}}{name}"


def safe_parser() -> etree.XMLParser:
    """No entity expansion, no DTD, no network, no huge documents: policies come from tenants and folders."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )


class UnsafeXmlError(Exception):
    """The document cannot be used as a policy; carries the Problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse_xml(data: bytes, name: str) -> etree._ElementTree:
    """Parse any XML document safely (BOM stripped, DOCTYPE refused); raise UnsafeXmlError otherwise."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        raise UnsafeXmlError(
            Problem(name, line, f"not well-formed XML ({error.msg})", "fix the XML syntax there")
        ) from None
    except ValueError as error:
        raise UnsafeXmlError(Problem(name, None, f"cannot be parsed ({error})", "save it as UTF-8 XML")) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError(
            Problem(
                name,
                1,
                "has a DOCTYPE declaration; policies never need one and it can smuggle entities",
                "remove the <!DOCTYPE …> declaration and any entity references",
            )
        )
    return tree


def parse_policy(data: bytes, name: str) -> etree._ElementTree:
    """Parse a B2C policy: safe parsing plus the right root element in the right namespace."""
    tree = parse_xml(data, name)
    root = tree.getroot()
    if root.tag != ROOT_TAG:
        found = etree.QName(root).localname
        namespace = etree.QName(root).namespace
        if found == "TrustFrameworkPolicy":
            message = f"the root element is in namespace {namespace or 'none'}, not {NAMESPACE}"
            fix = f'declare xmlns="{NAMESPACE}" on TrustFrameworkPolicy'
        else:
            message = f"the root element is <{found}>, not <TrustFrameworkPolicy>; this is not a B2C custom policy"
            fix = "give a TrustFrameworkPolicy file (as in a starter pack or downloaded from the tenant)"
        raise UnsafeXmlError(Problem(name, root.sourceline, message, fix))
    return tree


def serialize(tree: etree._ElementTree) -> bytes:
    """UTF-8 without a BOM (Graph rejects one), with an XML declaration, ending in a newline."""
    body = bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=False))
    return XML_DECLARATION + body.rstrip() + b"\n"


def canonical(data: bytes) -> bytes:
    """The policy as canonical XML (c14n, comments kept) with whitespace-only text dropped: the same for every way
    B2C may give back what was uploaded (a BOM, the declaration, line endings, indentation). Raises UnsafeXmlError."""
    tree = parse_xml(data, "policy")
    for element in tree.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return bytes(etree.tostring(tree, method="c14n"))
