"""The custom-policy path: the policy key, the base chain check, the extensions and relying-party uploads."""

from __future__ import annotations

import time
from abc import abstractmethod
from dataclasses import replace
from typing import TYPE_CHECKING

from wizard import clock
from wizard.answers import Answers, Mfa
from wizard.errors import SetupError, TenantNotReadyError
from wizard.ownership import MergedPieces, ObjectKind, Origin, Sighting
from wizard.steps.base import (
    KEY_SET_BEING_CREATED,
    POLICY_KEY_LIFETIME_DAYS,
    POLICY_KEY_RENEWAL_DAYS,
    SIGNATURE_USE,
    UPLOADED_SECRET_KTY,
    Finding,
    Progress,
    Step,
    StepContext,
    create_key_set,
    key_identity,
    key_set_proven,
    look_patiently,
    state_elsewhere,
    upload_intended,
)
from wizard.steps.chain import ChainListing, download_listed, read_base_chain, source_describes

if TYPE_CHECKING:
    from wizard.graph import KeySet
    from wizard.steps.chain import AsignioPolicies


class PolicyKey(Step["KeySet"]):
    """The policy key B2C keeps the Asignio Client Secret in (the seed's 'Create Asignio policy key')."""

    id = "policy-key"
    title = "Store the Asignio Client Secret as a policy key"
    after = ("preflight",)
    answer_sections = ("custom_policy",)
    needs_secret = True

    def describe(self, answers: Answers) -> str:
        return f"Policy key {answers.custom_policy.policy_key} (signature, holds the Client Secret)"

    async def check(self, ctx: StepContext) -> Finding[KeySet]:
        name = ctx.answers.custom_policy.policy_key
        known = ctx.intent_known(self.id)
        if known == (KEY_SET_BEING_CREATED,):
            # The interrupted run was creating the set, and had sent no key yet: the set showing is enough.
            key_set = await look_patiently(
                ctx, self.id, f"the key set {name}", lambda: ctx.graph.key_set(name), lambda found: found is not None
            )
            known = None
        else:
            key_set = await look_patiently(
                ctx,
                self.id,
                f"the key set {name} and its key",
                lambda: ctx.graph.key_set(name),
                lambda found: _holds_key_not_in(found, known) if known is not None else bool(found and found.keys),
            )
        finding = self._finding(ctx, key_set, known)
        if key_set is None:
            return finding
        uploaded = _keys_not_in(key_set, known) if known is not None else ()
        return replace(finding, seen=(Sighting(ObjectKind.KEY_SET, key_set.id, keys=uploaded),))

    def _finding(self, ctx: StepContext, key_set: KeySet | None, known: tuple[str, ...] | None) -> Finding[KeySet]:
        name = ctx.answers.custom_policy.policy_key
        if known is not None and _holds_key_not_in(key_set, known):
            assert key_set is not None
            return Finding(True, f"{name} holds the key the interrupted run uploaded", {"key_set": key_set.id}, key_set)
        if key_set is None:
            return Finding(False, f"{name} does not exist yet")
        ids = {"key_set": key_set.id}
        if not key_set.keys:
            self._refuse_unless_made(ctx, key_set.id, "holds no key")
            return Finding(False, f"{name} exists but holds no key yet", ids, key_set)
        foreign = [key for key in key_set.keys if not key.is_kind(UPLOADED_SECRET_KTY, SIGNATURE_USE)]
        if foreign:
            raise TenantNotReadyError(
                f"{name} holds a {foreign[0].kty} {foreign[0].use} key, not an uploaded client secret for signing",
                "set [custom_policy] policy_key to the name of a key set that holds nothing else, then run again",
            )
        if known is not None:
            return Finding(False, f"the interrupted run's upload never reached {name}: it is sent again", ids, key_set)
        if ctx.rotate_secret:
            self._refuse_unless_made(ctx, key_set.id, "would get the new Client Secret (--rotate-secret)")
            return Finding(False, f"a new Client Secret was given: it becomes {name}'s newest key", ids, key_set)
        renew_after = clock.now().timestamp() + POLICY_KEY_RENEWAL_DAYS * 86400
        expiries = [key.exp for key in key_set.keys if key.exp is not None]
        if len(expiries) == len(key_set.keys) and max(expiries) < renew_after:
            self._refuse_unless_made(ctx, key_set.id, f"holds a key that expires on {_date(max(expiries))}")
            return Finding(False, f"{name}'s key expires on {_date(max(expiries))}: a new one is due", ids, key_set)
        return Finding(True, f"{name} holds a key", ids, key_set)

    def _refuse_unless_made(self, ctx: StepContext, key_set_id: str, why: str) -> None:
        """A key set the tool cannot prove it made gets no key from it (exit 5): its newest key is what the
        policies naming it sign with, so a key put in would change someone's sign-in. One that holds a key good
        for a while yet is used as it is."""
        if key_set_proven(ctx, self.id, key_set_id):
            return
        raise TenantNotReadyError(
            f"The key set {key_set_id} ([custom_policy] policy_key) {why}, and asignio-setup cannot prove it made "
            "it (nothing on this machine records that asignio-setup made it): it puts keys only into key sets it made",
            "set [custom_policy] policy_key to a name no key set uses, so the setup makes its own; or delete that key "
            "set in the Azure portal (Identity Experience Framework → Policy keys) if no policy uses it; then run "
            f"again{state_elsewhere(ctx)}",
        )

    async def apply(self, ctx: StepContext, finding: Finding[KeySet], progress: Progress) -> Finding[KeySet]:
        key_set = finding.found
        if key_set is None:
            key_set = await create_key_set(ctx, self.id, ctx.answers.custom_policy.policy_key, progress)
        progress(f"uploading the Client Secret into {key_set.id}")
        now = int(clock.now().timestamp())
        expires = now + POLICY_KEY_LIFETIME_DAYS * 86400
        ctx.intend(self.id, [key_identity(key) for key in key_set.keys])
        key = await ctx.graph.upload_secret(key_set.id, ctx.secret(), use=SIGNATURE_USE, nbf=now, exp=expires)
        ctx.ownership.key_added(self.id, key_set.id, key_identity(key))
        return Finding(
            True,
            f"{key_set.id} holds the Client Secret (signature key, expires {_date(expires)})",
            {"key_set": key_set.id},
        )


def _keys_not_in(key_set: KeySet, known: tuple[str, ...]) -> tuple[str, ...]:
    """The keys the tenant did not hold when the interrupted run noted its upload: the ones that run put in."""
    return tuple(identity for key in key_set.keys if (identity := key_identity(key)) not in known)


def _holds_key_not_in(key_set: KeySet | None, known: tuple[str, ...]) -> bool:
    """True when the key set has a key the tenant did not hold when the interrupted run noted its upload."""
    return key_set is not None and bool(_keys_not_in(key_set, known))


def _date(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_seconds))


class BaseChain(Step[None]):
    """Reads the tenant's starter-pack chain and builds the Asignio policies from it; for a tenant lacking the chain,
    loads the verified pack the prerequisite steps upload. Writes nothing, so a tampered pack stops every write."""

    id = "base-chain"
    title = "Read the tenant's base policies and build the Asignio policies"
    after = ("preflight",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")
    writes = False
    outputs = ("policy_ids", "chain", "current_relying_party", "tenant_policies", "base_source")

    async def check(self, ctx: StepContext) -> Finding[None]:
        ctx.facts.policy_ids = tuple(await ctx.graph.policy_ids())
        listing = ChainListing(ctx.facts.policy_ids)
        relying_party = listing.spelled(ctx.answers.custom_policy.relying_party)
        if listing.builds_on:
            base = await read_base_chain(ctx.graph, ctx.answers, listing)
            ctx.facts.chain = base.chain
            ctx.facts.current_relying_party = base.current_relying_party
            ctx.facts.tenant_policies = base.generated
            return Finding(
                True,
                f"found {', '.join(base.chain)}; the Asignio policies validate against them",
                seen=policy_sightings(ctx, relying_party),
            )
        source = ctx.load_base(ctx.answers)
        ctx.facts.base_source = source
        ctx.facts.chain, ctx.facts.current_relying_party = await download_listed(ctx.graph, listing, relying_party)
        return Finding(
            True,
            f"the tenant lacks {', '.join(listing.lacking)}: {source_describes(source)} provides them",
            seen=policy_sightings(ctx, relying_party),
        )


def policy_sightings(ctx: StepContext, relying_party: str | None) -> tuple[Sighting, ...]:
    """The chain the check read and the answers' relying party, for the ledger."""
    held = dict(ctx.facts.chain)
    if relying_party is not None and ctx.facts.current_relying_party is not None:
        held[relying_party] = ctx.facts.current_relying_party
    return tuple(policy_sighting(ctx, policy_id, content) for policy_id, content in held.items())


def policy_sighting(ctx: StepContext, policy_id: str, content: bytes) -> Sighting:
    """A policy as the ledger sees it: its asignio-setup comment, when it holds, says whether the tool made it and
    that the tool uploaded what it holds; an upload intent an interrupted run noted for it vouches for that."""
    from wizard.policies import read_mark

    mark = read_mark(content)
    holds = mark is not None and mark.holds
    return Sighting(
        ObjectKind.POLICY,
        policy_id,
        marked=holds and mark is not None and mark.made,
        proven=holds and upload_intended(ctx, policy_id),
        content=content if holds else None,
    )


def mark_policy(ctx: StepContext, policy_id: str, content: bytes, current: bytes | None) -> bytes:
    """`content` with asignio-setup's comment: "made" when the tenant has no such policy yet or the tool made the
    one it has (by the ledger, or with no state by a comment of its own that still holds), else "changed"."""
    from wizard.policies import marked, read_mark

    entry = ctx.ownership.entry(ObjectKind.POLICY, policy_id)
    mark = read_mark(current) if current is not None else None
    made = (
        current is None
        or (entry is not None and entry.origin is Origin.MADE)
        or (entry is None and ctx.ownership.marks_prove and mark is not None and mark.made and mark.holds)
    )
    return marked(content, made=made, tenant_domain=ctx.answers.tenant.domain)


class UploadPolicy(Step[None]):
    """Uploads one generated policy when the tenant's copy differs; backs up what it replaces."""

    after: tuple[str, ...] = ("base-chain",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")

    @abstractmethod
    def generated(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        """(policy id, the generated content, the tenant's current content or None)."""

    def target(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        """What the step uploads: the generated policy with asignio-setup's comment, and the tenant's current copy."""
        policy_id, wanted, current = self.generated(ctx)
        return policy_id, mark_policy(ctx, policy_id, wanted, current), current

    async def check(self, ctx: StepContext) -> Finding[None]:
        from wizard.policies import same_content

        policy_id, wanted, current = self.target(ctx)
        if same_content(current, wanted):
            return Finding(True, f"{policy_id} is up to date", {"policy": policy_id})
        state = "differs from what the answers make" if current else "is not in the tenant yet"
        return Finding(False, f"{policy_id} {state}", {"policy": policy_id})

    async def apply(self, ctx: StepContext, finding: Finding[None], progress: Progress) -> Finding[None]:
        from wizard.policies import same_content

        policy_id, generated, current = self.generated(ctx)
        # The policies were built from what the base check read, maybe minutes ago: what the tenant holds now is
        # what gets backed up and replaced, so it must still be that (an edit meanwhile would be lost unbacked).
        now = await ctx.graph.policy_xml(policy_id)
        if (now, current) != (None, None) and (now is None or current is None or not same_content(now, current)):
            raise TenantNotReadyError(
                f"{policy_id} changed in the tenant while the setup ran (after the base check read it): nothing was "
                "written to it, and the Asignio policies were not built on the new one",
                "run again: the setup reads the tenant's policies afresh and builds on what it holds now (backing "
                "it up before it replaces it)",
            )
        if now is not None:
            backup = ctx.back_up(policy_id, now)
            progress(f"backed up the tenant's {policy_id}")
            ctx.ownership.replacing(self.id, policy_id, now, backup)
        wanted = mark_policy(ctx, policy_id, generated, now)
        self.merging(ctx, policy_id)
        progress(f"uploading {policy_id} ({len(wanted):,} bytes)")
        ctx.intend(self.id, [policy_id])  # a run killed before the record below finds its comment and this
        created = await ctx.graph.upload_policy(policy_id, wanted)
        ctx.ownership.uploaded(self.id, policy_id, wanted, created=now is None)
        self.merging(ctx, policy_id)
        return Finding(True, f"{policy_id} {'created' if created else 'replaced'}", {"policy": policy_id})

    def merging(self, ctx: StepContext, policy_id: str) -> None:
        """Record in the ledger what the upload merges into the policy (the extensions step; the others none)."""


class ExtensionsPolicy(UploadPolicy):
    id = "extensions-policy"
    title = "Upload the extensions policy with the Asignio provider and journey"
    after = ("base-chain", "policy-key", "starter-pack-base")

    def describe(self, answers: Answers) -> str:
        mfa = " and phone MFA" if answers.setup.mfa is Mfa.PHONE else ""
        return f"Merge the Asignio claims provider, journey {answers.custom_policy.journey_id}{mfa} into the extensions"

    def merging(self, ctx: StepContext, policy_id: str) -> None:
        """The Asignio pieces the upload merges, added to those earlier uploads merged (a journey id the answers
        no longer name stays in the tenant, so it stays recorded)."""
        entry = ctx.ownership.entry(ObjectKind.POLICY, policy_id)
        earlier = entry.merged if entry is not None else None
        answers = ctx.answers
        journey = answers.custom_policy.journey_id
        journeys = [held for held in (earlier.journeys if earlier is not None else []) if held != journey]
        pieces = MergedPieces(
            journeys=[*journeys, journey],
            display_name=answers.asignio.display_name,
            client_id=answers.asignio.client_id,
            policy_key=answers.custom_policy.policy_key,
            mfa=(earlier is not None and earlier.mfa) or answers.setup.mfa is Mfa.PHONE,
        )
        ctx.ownership.merging(policy_id, pieces)

    def generated(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        built = _built(ctx)
        extensions = built.generated.extensions
        return extensions.policy_id, extensions.content, built.chain.get(extensions.policy_id)


class RelyingPartyPolicy(UploadPolicy):
    id = "relying-party"
    title = "Upload the relying-party policy"
    after = ("extensions-policy",)

    def describe(self, answers: Answers) -> str:
        return (
            f"Relying-party policy {answers.custom_policy.relying_party} → journey {answers.custom_policy.journey_id}"
        )

    def generated(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        relying_party = _built(ctx).generated.relying_party
        return relying_party.policy_id, relying_party.content, ctx.facts.current_relying_party


def _built(ctx: StepContext) -> AsignioPolicies:
    if ctx.facts.asignio_policies is None:
        raise SetupError("The Asignio policies were not built", "run the base-chain and starter-pack-base steps first")
    return ctx.facts.asignio_policies
