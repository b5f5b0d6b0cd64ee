"""The starter-pack base chain for a tenant that lacks it: rendered for the tenant and its two IEF apps, uploaded in
BasePolicy order, never over a policy the tenant already has.

The pack is loaded (and every file's SHA-256 checked) by the base-chain step, which writes nothing, so a tampered
or missing file stops the run before the first write. A base the tenant already has stays as the tenant made it,
even when it differs from the pack: the Asignio policies are then built on the tenant's own.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from wizard.errors import ServiceError, SetupError
from wizard.steps.base import Finding, Progress, Step, StepContext
from wizard.steps.chain import AsignioPolicies, BaseSource, ChainListing, generate_policies, source_describes
from wizard.steps.ief_apps import IEF_APP_NAME, PROXY_APP_NAME

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.starter_pack import PackPolicy

UNKNOWN_APP_ID = str(uuid.UUID(int=0))
"""Stands in for an app id the review cannot know yet (the app is made later in the run); never uploaded."""
BOM = b"\xef\xbb\xbf"


def _without_bom(xml: bytes) -> bytes:
    """The pack's files start with a UTF-8 BOM, which Graph's policy upload refuses as not XML."""
    return xml.removeprefix(BOM)


class StarterPackBase(Step[BaseSource]):
    """Uploads what the tenant lacks of the base chain, then the sample relying parties when asked for."""

    id = "starter-pack-base"
    title = "Upload the starter pack's base policies"
    after = ("base-chain",)
    answer_sections = ("tenant", "custom_policy")
    outputs = ("asignio_policies",)

    def describe(self, answers: Answers) -> str:
        samples = " and its sample relying parties" if answers.custom_policy.include_sample_policies else ""
        return f"Starter pack {answers.starter_pack_name()}: the base chain the tenant lacks{samples}"

    async def check(self, ctx: StepContext) -> Finding[BaseSource]:
        from wizard.policies import unmarked

        source = ctx.facts.base_source
        if source is None:
            if ctx.facts.tenant_policies is not None:
                ctx.facts.asignio_policies = AsignioPolicies(ctx.facts.chain, ctx.facts.tenant_policies)
            return Finding(True, "the tenant's base chain is in place")
        ief, proxy = _app_ids(ctx, source, required=False)
        rendered = self._rendered(ctx, source, ief, proxy)
        listing = ChainListing(ctx.facts.policy_ids)
        missing = [policy for policy in rendered if listing.spelled(policy.policy_id) is None]
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
        self._build_on(ctx, prospective)
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

    async def apply(self, ctx: StepContext, finding: Finding[BaseSource], progress: Progress) -> Finding[BaseSource]:
        source = finding.work()
        ief, proxy = _app_ids(ctx, source, required=True)
        listing = ChainListing(ctx.facts.policy_ids)
        uploaded: list[str] = []
        failed_samples: list[str] = []
        chain = dict(ctx.facts.chain)
        rendered = self._rendered(ctx, source, ief, proxy)
        # A run killed after an upload and before its record finds the policy's comment and this intent.
        ctx.intend(self.id, [policy.policy_id for policy in rendered if listing.spelled(policy.policy_id) is None])
        for policy in rendered:
            if listing.spelled(policy.policy_id) is not None:
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
        self._build_on(ctx, chain)
        summary = f"uploaded {', '.join(uploaded) or 'nothing'} from {source_describes(source)}"
        if failed_samples:
            summary += f"; B2C refused the sample {'; '.join(failed_samples)}, which the Asignio setup does not need"
        return Finding(True, summary, {"policies": ",".join(uploaded)})

    @staticmethod
    def _build_on(ctx: StepContext, chain: dict[str, bytes]) -> None:
        """The Asignio policies built on `chain`, for the extensions and relying-party steps."""
        ctx.facts.asignio_policies = AsignioPolicies(chain, generate_policies(ctx.answers, chain))


def _content(ctx: StepContext, policy: PackPolicy) -> bytes:
    """A pack policy as uploaded: without the BOM, with asignio-setup's comment saying the tool made it."""
    from wizard.policies import marked

    return marked(_without_bom(policy.xml), made=True, tenant_domain=ctx.answers.tenant.domain)


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
