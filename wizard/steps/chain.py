"""The starter pack's base chain (Base → Localization → Extensions), which the Asignio policies build on: its names,
which of them the tenant lists, reading them (and every base they name), the Asignio policies built on them, and
where a tenant lacking them gets them (`BaseSource`: the pinned starter pack, or the demo's own base).

Every step and the session ask here; no other module spells the chain's names or decides what the tenant lacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from wizard.errors import PolicyError, TenantNotReadyError
from wizard.starter_pack_pins import PACK_NAMES, PINNED_COMMIT

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.graph import GraphClient
    from wizard.policies import GeneratedPolicies
    from wizard.starter_pack import PackPolicy

BASE_POLICY = "B2C_1A_TrustFrameworkBase"
LOCALIZATION_POLICY = "B2C_1A_TrustFrameworkLocalization"
EXTENSIONS_POLICY = "B2C_1A_TrustFrameworkExtensions"
CHAIN_POLICIES = (BASE_POLICY, LOCALIZATION_POLICY, EXTENSIONS_POLICY)
"""The chain in upload order: each policy before the ones that build on it."""
STARTER_PACK_URL = "https://github.com/Azure-Samples/active-directory-b2c-custom-policy-starterpack"
CUSTOM_POLICY_TUTORIAL = (
    "https://learn.microsoft.com/azure/active-directory-b2c/tutorial-create-user-flows?pivots=b2c-custom-policy"
)
DEMO_BASE_NAME = "asignio-setup's own demo base"


@dataclass(frozen=True)
class ChainListing:
    """The tenant's policy ids as Graph listed them, asked about the base chain. Policy ids are compared without
    case, and named as the tenant spells them."""

    policy_ids: tuple[str, ...]

    def spelled(self, policy_id: str | None) -> str | None:
        """`policy_id` as the tenant spells it, when the tenant lists it."""
        if policy_id is None:
            return None
        return next((listed for listed in self.policy_ids if listed.lower() == policy_id.lower()), None)

    @property
    def held(self) -> tuple[str, ...]:
        """The chain's policies the tenant lists, in chain order, in the tenant's spelling."""
        return tuple(spelled for name in CHAIN_POLICIES if (spelled := self.spelled(name)) is not None)

    @property
    def lacking(self) -> tuple[str, ...]:
        """The chain's policies the tenant does not list, in chain order."""
        return tuple(name for name in CHAIN_POLICIES if self.spelled(name) is None)

    @property
    def whole(self) -> bool:
        """The tenant lists the whole chain: it built its own prerequisites (keys, IEF apps, consent) with it."""
        return not self.lacking

    @property
    def builds_on(self) -> bool:
        """The tenant lists a base and an extensions policy, the chain the Asignio policies build on (the bases the
        extensions names are read with it)."""
        return self.spelled(BASE_POLICY) is not None and self.spelled(EXTENSIONS_POLICY) is not None


def is_chain_policy(policy_id: str) -> bool:
    """Whether `policy_id` names one of the chain's policies (in any spelling)."""
    return policy_id.lower() in {name.lower() for name in CHAIN_POLICIES}


def chain_policy(chain: Mapping[str, bytes], policy_id: str) -> bytes | None:
    """The content of `policy_id` in a chain keyed by the tenant's spelling."""
    return next((content for held, content in chain.items() if held.lower() == policy_id.lower()), None)


async def download_listed(
    graph: GraphClient, listing: ChainListing, relying_party_id: str | None = None
) -> tuple[dict[str, bytes], bytes | None]:
    """The chain's policies the tenant lists (keyed by the tenant's spelling, in chain order), and the relying party
    `relying_party_id` when the tenant lists it. Writes nothing."""
    held = listing.held
    relying_party = listing.spelled(relying_party_id)
    contents = await asyncio.gather(
        *(graph.policy_xml(policy_id) for policy_id in held),
        graph.policy_xml(relying_party) if relying_party else _no_policy(),
    )
    return {policy_id: content for policy_id, content in zip(held, contents, strict=False) if content}, contents[-1]


async def download_chain(
    graph: GraphClient, listing: ChainListing, relying_party_id: str | None = None
) -> tuple[dict[str, bytes], bytes | None]:
    """`download_listed`, with every base the downloaded policies name; a base the tenant lacks is a
    TenantNotReadyError."""
    chain, relying_party = await download_listed(graph, listing, relying_party_id)
    while unfetched := _bases_not_in(chain):
        absent = [base for base in unfetched if listing.spelled(base) is None]
        if absent:
            raise TenantNotReadyError(
                f"The tenant's policies build on {', '.join(absent)}, which the tenant does not have",
                f"upload {', '.join(absent)} from the same starter pack ({STARTER_PACK_URL}); B2C needs the "
                "order Base → Localization → Extensions. Then run again",
            )
        spelled = [listing.spelled(base) or base for base in unfetched]
        more = await asyncio.gather(*(graph.policy_xml(policy_id) for policy_id in spelled))
        chain.update({policy_id: content or b"" for policy_id, content in zip(spelled, more, strict=False)})
    return chain, relying_party


def _bases_not_in(chain: Mapping[str, bytes]) -> list[str]:
    """The BasePolicy ids the downloaded policies name but the download does not hold (unparseable ones are
    left for the policy engine to explain)."""
    from wizard.policies import parse_documents

    held = {policy_id.lower() for policy_id in chain}
    policies, _ = parse_documents(chain)
    return sorted({policy.base_id for policy in policies if policy.base_id and policy.base_id.lower() not in held})


async def _no_policy() -> None:
    return None


@dataclass(frozen=True)
class BaseChainRead:
    """The tenant's starter-pack chain, its current Asignio relying party, and the policies built on them."""

    chain: dict[str, bytes]
    current_relying_party: bytes | None
    generated: GeneratedPolicies


async def read_base_chain(graph: GraphClient, answers: Answers, listing: ChainListing) -> BaseChainRead:
    """Downloads the chain the tenant's extensions build on and builds the Asignio policies from it; raises a
    TenantNotReadyError saying what to upload when the tenant lacks part of it. Writes nothing."""
    missing = [name for name in (BASE_POLICY, EXTENSIONS_POLICY) if name in listing.lacking]
    if missing:
        raise TenantNotReadyError(
            f"The tenant has no {' and no '.join(missing)} policy: the custom-policy path builds on "
            "Microsoft's starter pack",
            f"upload TrustFrameworkBase.xml, TrustFrameworkLocalization.xml and TrustFrameworkExtensions.xml "
            f"from the SocialAndLocalAccounts (or ...WithMfa) folder of {STARTER_PACK_URL}, in that order "
            f"({CUSTOM_POLICY_TUTORIAL}), then run again",
        )
    chain, relying_party = await download_chain(graph, listing, answers.custom_policy.relying_party)
    return BaseChainRead(chain, relying_party, generate_policies(answers, chain))


def generate_policies(answers: Answers, chain: Mapping[str, bytes]) -> GeneratedPolicies:
    """The policy engine's output; a base that cannot host the journey is a tenant problem, not an input one."""
    from wizard.policies import generate

    try:
        return generate(answers, chain)
    except PolicyError as error:
        raise TenantNotReadyError(error.what, error.fix) from None


@dataclass(frozen=True)
class AsignioPolicies:
    """The Asignio policies and the base chain they are built on, as the tenant holds that chain once the starter
    pack's step has run (the tenant's own chain, with what that step uploads)."""

    chain: dict[str, bytes]
    generated: GeneratedPolicies


class BaseSource(Protocol):
    """Where an empty tenant's base chain comes from: the pinned starter pack, or the demo's own base."""

    pack_name: str

    def render(self, tenant: str, ief_app_id: str, proxy_app_id: str, *, include_samples: bool) -> list[PackPolicy]:
        """The policies for the tenant, in upload order (each base before its children)."""

    def key_sets_referenced(self) -> frozenset[str]:
        """Every key set the policies name (B2C refuses an upload naming one the tenant lacks)."""

    def names_ief_apps(self) -> bool:
        """Whether the policies name the two IEF apps (login-NonInteractive), so their app ids must be known."""


def pinned_starter_pack(answers: Answers) -> BaseSource:
    """The pinned, hash-checked Microsoft starter pack the answers choose (the cache, the source, or a download)."""
    from wizard.starter_pack import load_starter_pack

    return load_starter_pack(answers.starter_pack_name(), answers.custom_policy.starter_pack_path())


class DemoBase:
    """The demo's base chain (policy_templates/demo_base), which the demo installs because it has no network."""

    pack_name = DEMO_BASE_NAME

    def render(self, tenant: str, ief_app_id: str, proxy_app_id: str, *, include_samples: bool) -> list[PackPolicy]:
        """Base, Localization, Extensions for the tenant; the demo base has no login-NonInteractive and no samples."""
        from wizard.policies import demo_chain
        from wizard.starter_pack import PackPolicy, tenant_short_name

        chain = demo_chain(f"{tenant_short_name(tenant)}.onmicrosoft.com")
        return [
            PackPolicy(policy_id, _base_of(xml), xml, is_sample=False)
            for policy_id, xml in sorted(chain.items(), key=lambda item: _chain_rank(item[0]))
        ]

    def key_sets_referenced(self) -> frozenset[str]:
        from wizard.policies import NS, demo_chain, parse_policy

        names: set[str] = set()
        for policy_id, xml in demo_chain("demo.onmicrosoft.com").items():
            root = parse_policy(xml, policy_id).getroot()
            names.update(str(value) for value in root.xpath("//b:Key/@StorageReferenceId", namespaces=NS))
        return frozenset(names)

    def names_ief_apps(self) -> bool:
        return False


def demo_base(answers: Answers) -> BaseSource:
    """The demo's loader: its own base, whatever starter pack the answers name."""
    return DemoBase()


def _chain_rank(policy_id: str) -> int:
    lowered = [name.lower() for name in CHAIN_POLICIES]
    return lowered.index(policy_id.lower()) if policy_id.lower() in lowered else len(lowered)


def _base_of(xml: bytes) -> str | None:
    from wizard.policies import NS, parse_policy

    base = parse_policy(xml, "demo base").getroot().findtext("b:BasePolicy/b:PolicyId", namespaces=NS)
    return base.strip() if base else None


def source_describes(source: BaseSource) -> str:
    """How a summary names the source: the pack and its pinned commit, or the demo base."""
    if source.pack_name in PACK_NAMES:
        return f"the {source.pack_name} starter pack (commit {PINNED_COMMIT[:7]}, every file SHA-256 checked)"
    return source.pack_name
