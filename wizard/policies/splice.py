"""Writing a merged policy so every byte the merge did not touch stays exactly as the tenant had it.

lxml rewrites what it serializes (the root start tag onto one line, `" />` to `"/>`, quotes, entities), which
would fill the operator's review diff with noise. So before the merge we note where each node of the tenant's
file sits in its bytes; afterwards a node whose subtree is unchanged is copied from those bytes, and only the
nodes the merge added or changed are written by lxml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from wizard.policies.xmlsafe import BOM, NAMESPACE, XML_DECLARATION, serialize

# Markup tokens of a well-formed document (lxml has already parsed it): comments, CDATA, processing
# instructions, end tags and start tags (whose quoted attribute values may hold `>`).
TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE[^>]*>|</[^>]*>|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.DOTALL,
)
UTF8_DECLARATION = re.compile(rb"""^<\?xml\s[^>]*encoding\s*=\s*["']utf-8["'][^>]*\?>\n""", re.IGNORECASE)


@dataclass
class Source:
    """Where one node of the tenant's file sits in its bytes, and what it held when parsed."""

    start: int
    start_tag_end: int
    end_tag_start: int
    end: int
    attributes: dict[str, str]
    text: str | None
    tail: str | None
    children: list[etree._Element]

    @property
    def self_closing(self) -> bool:
        return self.start_tag_end == self.end


class NotAligned(Exception):
    """The bytes cannot be reused (the scan and lxml disagree, or a namespaced attribute changed): lxml writes it all."""


class SourceMap:
    """The tenant's bytes and the position of every node of its parsed root, taken before the merge."""

    def __init__(self, data: bytes, root: etree._Element) -> None:
        self.data = data
        self.root = root
        self.sources: dict[etree._Element, Source] = {}
        self.aligned = True
        try:
            self._scan()
        except NotAligned:
            self.aligned = False

    def _scan(self) -> None:
        nodes = iter(self.root.iter())
        open_elements: list[tuple[etree._Element, int, int]] = []
        started = False
        for match in TOKEN.finditer(self.data):
            token = match.group()
            if token.startswith((b"<![CDATA[", b"<!DOCTYPE")):
                continue
            if token.startswith(b"</"):
                if not open_elements:
                    raise NotAligned
                element, start, start_tag_end = open_elements.pop()
                self._record(element, start, start_tag_end, match.start(), match.end())
                if not open_elements:
                    return
                continue
            if not started and token[1:2] in (b"!", b"?"):
                continue
            started = True
            node = next(nodes, None)
            if node is None:
                raise NotAligned
            if token.startswith((b"<!--", b"<?")):
                if isinstance(node.tag, str):
                    raise NotAligned
                self._record(node, match.start(), match.end(), match.end(), match.end())
            elif not isinstance(node.tag, str):
                raise NotAligned
            elif token.endswith(b"/>"):
                self._record(node, match.start(), match.end(), match.end(), match.end())
                if not open_elements:
                    return
            else:
                open_elements.append((node, match.start(), match.end()))
        raise NotAligned

    def _record(self, node: etree._Element, start: int, start_tag_end: int, end_tag_start: int, end: int) -> None:
        self.sources[node] = Source(
            start, start_tag_end, end_tag_start, end, dict(node.attrib), node.text, node.tail, list(node)
        )

    def render(self, tree: etree._ElementTree) -> bytes:
        """The merged policy: the tenant's bytes wherever the tree is unchanged; UTF-8, no BOM, a declaration.

        The tenant's own XML declaration is kept when it names UTF-8; any other is replaced by ours.
        """
        root = tree.getroot()
        if not self.aligned or root is not self.root or root.nsmap.get(None) != NAMESPACE:
            return serialize(tree)
        try:
            body = self._emit(root)
        except NotAligned:
            return serialize(tree)
        root_source = self.sources[root]
        prolog = self.data[: root_source.start]
        if prolog.startswith(BOM):
            prolog = prolog[len(BOM) :]
        declared = UTF8_DECLARATION.match(prolog)
        if declared is None:
            prolog = XML_DECLARATION + re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", prolog)
        epilog = self.data[root_source.end :].rstrip()
        return prolog + body + epilog + b"\n"

    def _clean(self, node: etree._Element) -> bool:
        source = self.sources.get(node)
        if source is None:
            return False
        if not isinstance(node.tag, str):
            return True
        children = list(node)
        return (
            dict(node.attrib) == source.attributes
            and node.text == source.text
            and len(children) == len(source.children)
            and all(child is original for child, original in zip(children, source.children, strict=True))
            and all(child.tail == self.sources[child].tail and self._clean(child) for child in children)
        )

    def _emit(self, node: etree._Element) -> bytes:
        source = self.sources.get(node)
        if source is None:
            return _written_by_lxml(node)
        if self._clean(node):
            return self.data[source.start : source.end]
        children = list(node)
        parts = [self._start_tag(node, source)]
        first_child_start = self.sources[source.children[0]].start if source.children else source.end_tag_start
        parts.append(self._gap(node.text, source.text, source.start_tag_end, first_child_start))
        for child in children:
            parts.append(self._emit(child))
            parts.append(self._tail(child, node))
        parts.append(self._end_tag(node, source))
        return b"".join(parts)

    def _tail(self, child: etree._Element, parent: etree._Element) -> bytes:
        source = self.sources.get(child)
        if source is None:
            return _text(child.tail)
        siblings = self.sources[parent].children
        position = next(index for index, sibling in enumerate(siblings) if sibling is child)
        following = siblings[position + 1] if position + 1 < len(siblings) else None
        gap_end = self.sources[following].start if following is not None else self.sources[parent].end_tag_start
        return self._gap(child.tail, source.tail, source.end, gap_end)

    def _gap(self, value: str | None, original: str | None, start: int, end: int) -> bytes:
        """The tenant's bytes between two nodes while the text there is unchanged, else the text escaped."""
        return self.data[start:end] if value == original else _text(value)

    def _start_tag(self, node: etree._Element, source: Source) -> bytes:
        tag = self.data[source.start : source.start_tag_end]
        if source.self_closing:
            tag = re.sub(rb"\s*/>$", b">", tag)
        attributes = dict(node.attrib)
        if attributes == source.attributes:
            return tag
        for name in sorted(set(source.attributes) | set(attributes)):
            if name.startswith("{"):
                raise NotAligned
            pattern = re.compile(rb"\s" + re.escape(name.encode()) + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*')")
            value = attributes.get(name)
            replacement = b"" if value is None else f" {name}={quoteattr(value)}".encode()
            found = pattern.search(tag)
            start, end = found.span() if found is not None else (len(tag) - 1, len(tag) - 1)
            tag = tag[:start] + replacement + tag[end:]
        return tag

    def _end_tag(self, node: etree._Element, source: Source) -> bytes:
        if not source.self_closing:
            return self.data[source.end_tag_start : source.end]
        name = re.match(rb"<([^\s/>]+)", self.data[source.start : source.start_tag_end])
        assert name is not None, "a start tag always has a name"
        return b"</" + name.group(1) + b">"


def _text(value: str | None) -> bytes:
    return escape(value).encode() if value else b""


def _written_by_lxml(node: etree._Element) -> bytes:
    """A node the merge added, without the namespace declarations it inherits (lxml repeats them on a subtree)."""
    written = bytes(etree.tostring(node, encoding="utf-8", with_tail=False))
    parent = node.getparent()
    if not isinstance(node.tag, str) or parent is None:
        return written
    start_tag_end = written.index(b">")
    start_tag = written[:start_tag_end]
    for prefix, uri in parent.nsmap.items():
        name = "xmlns" if prefix is None else f"xmlns:{prefix}"
        start_tag = start_tag.replace(f" {name}={quoteattr(uri)}".encode(), b"", 1)
    return start_tag + written[start_tag_end:]
