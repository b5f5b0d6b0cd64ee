"""The starter-pack base chain for a tenant that lacks it: rendered for the tenant and its two IEF apps, uploaded in
BasePolicy order, never over a policy the tenant already has.

The pack is loaded (and every file's SHA-256 checked) by the base-chain step, which writes nothing, so a tampered
or missing file stops the run before the first write. A base the tenant already has stays as the tenant made it,
even when it differs from the pack: the Asignio policies are then built on the tenant's own.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from wizard.errors import ServiceError, SetupError
from wizard.starter_pack_pins import PACK_NAMES, PINNED_COMMIT
from wizard.steps.base import (
    BASE_POLICY,
    EXTENSIONS_POLICY,
    LOCALIZATION_POLICY,
    Finding,
    Progress,
    Step,
    StepContext,
)
from wizard.steps.ief_apps import IEF_APP_NAME, PROXY_APP_NAME

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.starter_pack import PackPolicy

CHAIN_POLICIES = (BASE_POLICY, LOCALIZATION_POLICY, EXTENSIONS_POLICY)
UNKNOWN_APP_ID = str(uuid.UUID(int=0))
"""Stands in for an app id the review cannot know yet (the app is made later in the run); never uploaded."""
BOM = b"\xef\xbb\xbf"


class BaseSource(Protocol):
    """Where an empty tenant's base chain comes from: the pinned starter pack, or the demo's own base."""

    pack_name: str

    def render(self, tenant: str, ief_app_id: str, proxy_app_id: str, *, include_samples: bool) -> list[PackPolicy]:
        """The policies for the tenant, in upload order (each base before its children)."""

    def key_sets_referenced(self) -> frozenset[str]:
        """Every key set the policies name (B2C refuses an upload naming one the tenant lacks)."""

    def names_ief_apps(self) -> bool:
        """Whether the policies name the two IEF apps (login-NonInteractive), so their app ids must be known."""


DEMO_BASE_NAME = "asignio-setup's own demo base"


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


def has_base_chain(policy_ids: tuple[str, ...]) -> bool:
    """Whether the tenant lists a base and an extensions policy, the chain the Asignio policies build on."""
    present = {policy_id.lower() for policy_id in policy_ids}
    return BASE_POLICY.lower() in present and EXTENSIONS_POLICY.lower() in present


def source_describes(source: BaseSource) -> str:
    """How a summary names the source: the pack and its pinned commit, or the demo base."""
    if source.pack_name in PACK_NAMES:
        return f"the {source.pack_name} starter pack (commit {PINNED_COMMIT[:7]}, every file SHA-256 checked)"
    return source.pack_name


def _without_bom(xml: bytes) -> bytes:
    """The pack's files start with a UTF-8 BOM, which Graph's policy upload refuses as not XML."""
    return xml.removeprefix(BOM)


class StarterPackBase(Step):
    """Uploads what the tenant lacks of the base chain, then the sample relying parties when asked for."""

    id = "starter-pack-base"
    title = "Upload the starter pack's base policies"
    after = ("base-chain",)
    answer_sections = ("tenant", "custom_policy")

    def describe(self, answers: Answers) -> str:
        samples = " and its sample relying parties" if answers.custom_policy.include_sample_policies else ""
        return f"Starter pack {answers.starter_pack_name()}: the base chain the tenant lacks{samples}"

    async def check(self, ctx: StepContext) -> Finding:
        from wizard.policies import unmarked

        source = ctx.facts.base_source
        if source is None:
            return Finding(True, "the tenant's base chain is in place")
        ief, proxy = _app_ids(ctx, source, required=False)
        rendered = self._rendered(ctx, source, ief, proxy)
        present = {policy_id.lower() for policy_id in ctx.facts.policy_ids}
        missing = [policy for policy in rendered if policy.policy_id.lower() not in present]
        held = {policy_id.lower(): content for policy_id, content in ctx.facts.chain.items()}
        kept = [
            policy.policy_id
            for policy in rendered
            if not policy.is_sample
            and policy.policy_id.lower() in held
            and unmarked(held[policy.policy_id.lower()]) != _without_bom(policy.xml)
        ]
        prospective = dict(ctx.facts.chain)
        prospective.update({policy.policy_id: _content(ctx, policy) for policy in missing if not policy.is_sample})
        _build_on(ctx, prospective)
        kept_note = (
            f"; kept as the tenant has them, though they differ from the pack: {', '.join(kept)}" if kept else ""
        )
        if not missing:
            return Finding(True, f"the tenant holds the base chain{kept_note}")
        names = ", ".join(policy.policy_id for policy in missing)
        return Finding(False, f"uploads {names} from {source_describes(source)}{kept_note}", found=source)

    @staticmethod
    def _rendered(ctx: StepContext, source: BaseSource, ief: str, proxy: str) -> list[PackPolicy]:
        include_samples = ctx.answers.custom_policy.include_sample_policies
        return source.render(ctx.answers.tenant.name, ief, proxy, include_samples=include_samples)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        source: BaseSource = finding.found
        ief, proxy = _app_ids(ctx, source, required=True)
        present = {policy_id.lower() for policy_id in ctx.facts.policy_ids}
        uploaded: list[str] = []
        failed_samples: list[str] = []
        chain = dict(ctx.facts.chain)
        rendered = self._rendered(ctx, source, ief, proxy)
        # A run killed after an upload and before its record finds the policy's comment and this intent.
        ctx.intend(self.id, [policy.policy_id for policy in rendered if policy.policy_id.lower() not in present])
        for policy in rendered:
            if policy.policy_id.lower() in present:
                continue
            content = _content(ctx, policy)
            progress(f"uploading {policy.policy_id} ({len(content):,} bytes)")
            if policy.is_sample:
                try:
                    await ctx.graph.upload_policy(policy.policy_id, content)
                except ServiceError as refused:
                    failed_samples.append(f"{policy.policy_id} ({refused.what})")
                    progress(f"the sample {policy.policy_id} was refused; the setup goes on without it")
                    continue
            else:
                await ctx.graph.upload_policy(policy.policy_id, content)
                chain[policy.policy_id] = content
            ctx.ownership.uploaded(self.id, policy.policy_id, content, created=True)
            uploaded.append(policy.policy_id)
        ctx.facts.policy_ids = (*ctx.facts.policy_ids, *uploaded)
        _build_on(ctx, chain)
        summary = f"uploaded {', '.join(uploaded) or 'nothing'} from {source_describes(source)}"
        if failed_samples:
            summary += f"; B2C refused the sample {'; '.join(failed_samples)}, which the Asignio setup does not need"
        return Finding(True, summary, {"policies": ",".join(uploaded)})


def _content(ctx: StepContext, policy: PackPolicy) -> bytes:
    """A pack policy as uploaded: without the BOM, with asignio-setup's comment saying the tool made it."""
    from wizard.policies import marked

    return marked(_without_bom(policy.xml), made=True, tenant_domain=ctx.answers.tenant.domain)


def _build_on(ctx: StepContext, chain: dict[str, bytes]) -> None:
    """The Asignio policies built on `chain`, for the extensions and relying-party steps."""
    from wizard.steps.custom_policy import generate_policies

    ctx.facts.chain = chain
    ctx.facts.generated = generate_policies(ctx.answers, chain)


def _app_ids(ctx: StepContext, source: BaseSource, *, required: bool) -> tuple[str, str]:
    """(IdentityExperienceFramework appId, ProxyIdentityExperienceFramework appId) for login-NonInteractive, as the
    IEF app steps found or made them. The check may run before the apps exist (the review does): a stand-in then,
    never uploaded. A base without login-NonInteractive (SocialAccounts, the demo's) needs neither."""
    if not source.names_ief_apps():
        return UNKNOWN_APP_ID, UNKNOWN_APP_ID
    ief, proxy = ctx.facts.ief_app_id, ctx.facts.proxy_ief_app_id
    if required and (ief is None or proxy is None):
        raise SetupError(
            f"The {IEF_APP_NAME} and {PROXY_APP_NAME} app ids are not known",
            "run the IEF app steps first (ief-app, proxy-ief-app)",
        )
    return ief or UNKNOWN_APP_ID, proxy or UNKNOWN_APP_ID
