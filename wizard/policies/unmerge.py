"""Taking the Asignio pieces back out of a tenant's TrustFrameworkExtensions (the opposite of the merge).

Two ways, chosen by `without_asignio`: when the tenant's copy is exactly what the tool uploaded, the backup taken
before the first Asignio upload goes back byte for byte; when someone edited the policy since, only what the merge
added is taken out, element by element, so their edits survive. A definition the merge replaced goes back to the
version the backup holds; one it added goes; output claims it added to a base profile go; a section it made and
left empty goes. Every byte the removal does not touch stays as the tenant has it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from wizard.answers import Answers, Mfa
from wizard.errors import PolicyError
from wizard.policies.build import KIND_OF_TAG, ExtensionsMerger, generate, load_chain
from wizard.policies.chain import Chain, Policy, element_id
from wizard.policies.compare import same_content
from wizard.policies.mark import unmarked
from wizard.policies.splice import SourceMap
from wizard.policies.templates import AUGMENTS, EXTENSIONS_TEMPLATE, load_template, render
from wizard.policies.tree_edit import replace_child
from wizard.policies.xmlsafe import BOM, NS, q

SECTIONS = (
    "BuildingBlocks/ClaimsSchema",
    "BuildingBlocks/ClaimsTransformations",
    "BuildingBlocks/ContentDefinitions",
    "BuildingBlocks",
    "ClaimsProviders",
    "UserJourneys",
)
"""The sections the merge may have made, innermost first, so an emptied inner one goes before its parent is seen."""


@dataclass(frozen=True)
class Unmerged:
    """The extensions as they should be without Asignio, and how that was worked out (for the step's summary)."""

    content: bytes
    how: str
    restored: bool = False
    """The backup from before the first Asignio upload goes back as it is (else the pieces are taken out)."""


def without_asignio(
    answers: Answers, chain: Mapping[str, bytes], original: bytes | None, earlier_journeys: Sequence[str] = ()
) -> Unmerged:
    """The tenant's extensions (in `chain`, keyed by policy id, with its base policies) without the Asignio pieces.
    `answers` are those the pieces were merged with; `original` is the backup taken before the first Asignio upload,
    or None when there is none; `earlier_journeys` the journey ids earlier merges added beside the answers' one."""
    policy_chain, extensions = load_chain(chain)
    current = chain[extensions.name]
    if original is not None:
        original = original.removeprefix(BOM)
        for variant in (answers, _with_mfa(answers, answers.setup.mfa is not Mfa.PHONE)):
            uploaded = _what_the_tool_uploaded(variant, chain, extensions.name, original)
            if uploaded is not None and same_content(unmarked(current), unmarked(uploaded)):
                return Unmerged(original, "restored from the backup taken before the first Asignio upload", True)
    source_map = SourceMap(current, extensions.root)
    parsed = _original_policy(chain, extensions.name, original)
    before = parsed[1] if parsed is not None else None
    # With the backup to tell the tenant's own definitions apart, every piece the template can add is looked for,
    # MFA's included: an earlier run with mfa = "phone" left them even if these answers say "off".
    owner = _with_mfa(answers, True) if before is not None else answers
    merger = ExtensionsMerger(*(parsed or (policy_chain, extensions)), owner)
    emptied = _take_out(merger, extensions, before)
    for journey in (journey for journey in earlier_journeys if journey != answers.custom_policy.journey_id):
        extensions.reindex()
        custom_policy = owner.custom_policy.model_copy(update={"journey_id": journey})
        earlier = ExtensionsMerger(
            *(parsed or (policy_chain, extensions)), owner.model_copy(update={"custom_policy": custom_policy})
        )
        emptied |= _take_out(earlier, extensions, before)
    if before is None:
        emptied |= _drop_augmented_claims_by_base(answers, merger, extensions)
    _drop_emptied(extensions.root, emptied, before)
    extensions.reindex()
    how = (
        "the Asignio pieces taken out one by one (the policy changed since the setup: the other changes stay)"
        if before is not None
        else "the Asignio pieces taken out one by one (no backup from before the setup was found)"
    )
    return Unmerged(source_map.render(extensions.tree), how)


def _with_mfa(answers: Answers, phone: bool) -> Answers:
    """The same answers with phone MFA on or off (the custom-policy path offers only these two)."""
    setup = answers.setup.model_copy(update={"mfa": Mfa.PHONE if phone else Mfa.OFF})
    return answers.model_copy(update={"setup": setup})


def _what_the_tool_uploaded(answers: Answers, chain: Mapping[str, bytes], name: str, original: bytes) -> bytes | None:
    """The extensions the setup made from `original`; None when that cannot be made again (the base changed)."""
    try:
        return generate(answers, {**chain, name: original}).extensions.content
    except PolicyError:
        return None


def _original_policy(chain: Mapping[str, bytes], name: str, original: bytes | None) -> tuple[Chain, Policy] | None:
    """The backup parsed in the tenant's chain; None when there is none or it no longer reads as part of it."""
    if original is None:
        return None
    try:
        return load_chain({**chain, name: original})
    except PolicyError:
        return None


def _take_out(merger: ExtensionsMerger, extensions: Policy, before: Policy | None) -> set[etree._Element]:
    """Each definition of the merge put back or taken out; returns the parents that lost a child."""
    emptied: set[etree._Element] = set()
    for tag, kind in KIND_OF_TAG.items():
        for owned in merger.fragment.iter(q(tag)):
            key = element_id(owned).lower()
            present = extensions.definitions[kind].get(key)
            if present is None:
                continue
            earlier = before.definitions[kind].get(key) if before is not None else None
            if kind == "technical profile" and key in merger.augmented:
                if earlier is not None:
                    _drop_added_claims(present, owned, earlier)
                elif before is not None:
                    emptied.add(_remove(present))
            elif earlier is None:
                emptied.add(_remove(present))
            elif not _same_element(present, earlier):
                _put_back(present, copy.deepcopy(earlier))
    return emptied


def _drop_augmented_claims_by_base(
    answers: Answers, merger: ExtensionsMerger, extensions: Policy
) -> set[etree._Element]:
    """Without a backup there is no telling which output claims of a base profile the extensions had before: those
    the template adds go unless a base policy above the extensions already outputs them on that profile (the merge
    adds nothing then); a profile left with nothing of its own goes too."""
    augmenting: set[str] = set()

    def keep(element: etree._Element) -> bool:
        if element.get(AUGMENTS) == "true":
            augmenting.add(element_id(element).lower())
        return True

    emptied: set[etree._Element] = set()
    template = render(load_template(EXTENSIONS_TEMPLATE), answers, merger.conditions, keep)
    for owned in template.iterfind("b:ClaimsProviders/b:ClaimsProvider/b:TechnicalProfiles/b:TechnicalProfile", NS):
        if element_id(owned).lower() not in augmenting:
            continue
        present = extensions.definitions["technical profile"].get(element_id(owned).lower())
        if present is None:
            continue
        from_base: set[str] = set()
        if merger.above is not None:
            for definition in merger.chain.definitions_along(merger.above, "technical profile", element_id(owned)):
                from_base |= _claims_of(definition)
        _drop_claims(present, _claims_of(owned) - from_base, keep_empty=False)
        if not any(isinstance(child.tag, str) for child in present):
            emptied.add(_remove(present))
    return emptied


def _claims_of(profile: etree._Element) -> set[str]:
    return {
        claim.get("ClaimTypeReferenceId", "").lower() for claim in profile.iterfind("b:OutputClaims/b:OutputClaim", NS)
    }


def _drop_claims(profile: etree._Element, added: set[str], *, keep_empty: bool) -> None:
    claims = profile.find(q("OutputClaims"))
    if claims is None:
        return
    for claim in list(claims.iterfind("b:OutputClaim", NS)):
        if claim.get("ClaimTypeReferenceId", "").lower() in added:
            _remove(claim)
    if len(claims) == 0 and not keep_empty:
        _remove(claims)


def _drop_added_claims(profile: etree._Element, owned: etree._Element, earlier: etree._Element) -> None:
    """Output claims the merge added to a profile the extensions already had (and that the backup's lacked)."""
    _drop_claims(
        profile, _claims_of(owned) - _claims_of(earlier), keep_empty=earlier.find(q("OutputClaims")) is not None
    )


def _same_element(left: etree._Element, right: etree._Element) -> bool:
    def canonical(element: etree._Element) -> bytes:
        clone = copy.deepcopy(element)
        clone.tail = None
        for node in clone.iter():
            if node.text is not None and not node.text.strip():
                node.text = None
            if node is not clone and node.tail is not None and not node.tail.strip():
                node.tail = None
        return bytes(etree.tostring(clone, method="c14n"))

    return canonical(left) == canonical(right)


def _put_back(present: etree._Element, earlier: etree._Element) -> None:
    replace_child(present, earlier)


def _remove(element: etree._Element) -> etree._Element:
    """Take `element` out with the line it stood on (the reverse of tree_edit.insert_child); returns its parent."""
    parent = element.getparent()
    assert parent is not None, "a definition always has a parent section"
    index = parent.index(element)
    if index == 0:
        parent.text = element.tail
    else:
        parent[index - 1].tail = element.tail
    parent.remove(element)
    return parent


def _drop_emptied(root: etree._Element, emptied: set[etree._Element], before: Policy | None) -> None:
    """Claims providers whose profiles all went, then the sections the merge made and the removal emptied."""
    for technical_profiles in [node for node in emptied if etree.QName(node).localname == "TechnicalProfiles"]:
        provider = technical_profiles.getparent()
        if len(technical_profiles) == 0 and provider is not None:
            emptied.add(_remove(provider))
    for path in SECTIONS:
        section = root.find("/".join(f"b:{part}" for part in path.split("/")), NS)
        if section is None or len(section) or section not in emptied:
            continue
        had_it = before is not None and before.root.find("/".join(f"b:{p}" for p in path.split("/")), NS) is not None
        if not had_it:
            emptied.add(_remove(section))
