"""The remove's steps: take out of the tenant what the setup put in, and only what the tool can prove it made.

What the tool may delete is what its ownership ledger (wizard.ownership) records as made, by the id Graph gave it,
or, for applications, service principals and policies, what carries the tool's mark in the tenant where no state
records the tenant; never what merely has the answers' name. Each step looks at what the ledger records by id
(whatever the answers or the portal call it now) and at what the answers name. Whatever else the answers name
stays, listed with the reason (`Kept`). A policy is deleted or restored only while the tenant holds exactly what
the tool uploaded (its hash; `force` overrides that and only that), never while a policy that stays builds on it,
and always after it is downloaded into the backups folder. A key set or an IEF app a policy that stays still names
stays too.

The removal is a plan of steps like the setup's, run by the same runner (state after every step, the same events,
one run per tenant at a time): each step looks first and deletes only what is still there, so a remove killed
halfway finishes when run again and a remove on a clean tenant writes nothing. Prerequisites (the starter-pack
base, its key sets, the IEF apps) stay unless `--all` asks for those the tool made, which then go after the Asignio
pieces: children before bases. The relying party goes first, then the Asignio pieces of the extensions, then the
key set they named; the test app's grant and service principal are deleted before the app, each by its own call,
so nothing rests on a cascade. The checks judge the tenant as the earlier steps leave it (`RunFacts.leaving`), so
the review, which writes nothing, says what the run will do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from wizard import clock
from wizard.answers import Answers, Mfa, Pivot
from wizard.errors import BadInputError, PolicyError, TenantNotReadyError
from wizard.graph.models import same_text
from wizard.ownership import OWNER_TAG, LedgerEntry, MergedPieces, ObjectKind, Origin, holds_upload
from wizard.steps.base import (
    OIDC_PROVIDER_KIND,
    AnyStep,
    Finding,
    Found,
    Kept,
    Progress,
    Step,
    StepContext,
    key_identity,
    look_patiently,
    upload_intended,
)
from wizard.steps.chain import EXTENSIONS_POLICY, is_chain_policy
from wizard.steps.ief_apps import IEF_APP_NAME, PROXY_APP_NAME, named_app_ids
from wizard.steps.jwt_ms_app import test_app_unique_name
from wizard.steps.plan import Plan
from wizard.steps.preflight import Preflight
from wizard.steps.prerequisites import FacebookSecretKeySet, TokenEncryptionKeySet, TokenSigningKeySet
from wizard.steps.user_flow import unlike_the_flow_made

if TYPE_CHECKING:
    from wizard.graph import Application, KeySet, PermissionGrant, ServicePrincipal, UserFlow
    from wizard.graph import IdentityProvider as TenantIdentityProvider
    from wizard.policies import Unmerged
    from wizard.state import RunState

T = TypeVar("T")
KEY_SET_BACKUP_SUFFIX = ".bak"
"""B2C sometimes keeps a deleted key set as `<id>.bak` (the Graph docs are silent on it): looked for after a delete
with the documented GET of a key set by id, and reported, never deleted behind the operator's back."""
NOT_MADE = "not made by asignio-setup: kept"
NO_RECORD = "nothing on this machine records that asignio-setup made it"
NOT_IN_THE_LEDGER = "the state on this machine does not record that asignio-setup made it"
"""Why an object stays that the tenant's marks might claim, when a state knows the tenant: only its ledger proves."""
FOUND_BEFORE = f"{NOT_MADE} (it was in the tenant before the setup)"
FORCE_HINT = "--force deletes or restores it all the same, after a backup"
STARTER_KEY_STEPS = ("token-signing-key", "token-encryption-key", "facebook-secret-key")
IEF_STEPS = ("ief-app", "proxy-ief-app")
IEF_GRANT_STEP = "ief-consent-grants"
TEST_APP_STEP = "test-app"
POLICY_KEY_STEP = "policy-key"
USER_FLOW_STEP = "user-flow"
PROVIDER_STEP = "identity-provider"


def not_made(what: str, why: str, *, surprising: bool = True) -> Kept:
    return Kept(what, f"{NOT_MADE} ({why})", surprising)


def unmarked_kind(kind: str) -> str:
    """Why an object of a kind Graph keeps no mark on is not the tool's, when the ledger does not name it."""
    return f"{NO_RECORD}, and Graph keeps no mark on a {kind}"


def found_or_unproven(entry: LedgerEntry | None, what: str, why_unproven: str, *, surprising: bool = True) -> Kept:
    """What stays of an object the ledger does not record as made: found before the setup, or not proven (which
    the operator may not expect, unless `surprising` says a recorded setup would have recorded it)."""
    if entry is not None and entry.origin is Origin.FOUND:
        return Kept(what, FOUND_BEFORE, surprising=False)
    return not_made(what, why_unproven, surprising=surprising)


def kept_summary(kept: Iterable[Kept]) -> str:
    """A step's line for what it leaves (each with its reason in the plan's kept list)."""
    return "kept " + ", ".join(item.what for item in kept)


def surprise_if_unrecorded(ctx: StepContext) -> bool:
    """Whether a prerequisite (`--all`) no record names may be one the operator expects gone: only when no state
    on this machine records the tenant, since a state records every object the tool makes (what its ledger does not
    name, the tool never made)."""
    return ctx.ownership.marks_prove


async def look_for_the_setups_work(
    ctx: StepContext,
    step_id: str,
    made_by: Iterable[str],
    what: str,
    look: Callable[[], Awaitable[T]],
    seen: Callable[[T], bool],
) -> T:
    """A remove right after the setup may not see yet what the setup made moments ago (replication): while one of
    the setup steps `made_by` finished recently, look again until `seen`, so nothing it made is left behind. Not
    when an interrupted remove was deleting it or deleted it moments ago (its intent or its record is recent): then
    gone is what to expect."""
    if ctx.claim_age(step_id) is not None:
        return await look()
    recent = next((made for made in made_by if ctx.claim_age(made) is not None), None)
    if recent is None:
        return await look()
    return await look_patiently(ctx, recent, what, look, seen)


class RemovalStep(Step[Found]):
    """A step of the remove; `force` (`remove --force`) lets a policy changed since the tool uploaded it go too."""

    def __init__(self, after: tuple[str, ...] | None = None, *, force: bool = False) -> None:
        super().__init__(after)
        self.force = force


# Policies


@dataclass(frozen=True)
class PolicyStanding:
    """What the ledger (or, without a record, the policy's own asignio-setup comment) says of a tenant's policy."""

    origin: Origin | None
    """Made or found by the tool; None when nothing shows the tool ever saw it."""
    uploaded: bool
    """The tool uploaded into it (it made it, or it replaced or changed one that was there)."""
    unchanged: bool
    """It holds exactly what the tool last uploaded."""
    hash_known: bool = True
    """False for a policy a state of an earlier format records as made, with no hash of what was uploaded."""
    recorded: bool = False
    """A state on this machine knows the tenant, so only its ledger could have proven the policy the tool's."""

    def kept(self, what: str, *, force: bool, unrecorded_surprise: bool = True) -> Kept | None:
        """Why the policy stays, or None when the tool may delete or restore it."""
        if self.origin is None:
            why = NOT_IN_THE_LEDGER if self.recorded else f"{NO_RECORD} and it carries no asignio-setup comment"
            return not_made(what, why, surprising=unrecorded_surprise)
        if not self.uploaded:
            return Kept(what, FOUND_BEFORE, surprising=False)
        if not self.unchanged and not force:
            if not self.hash_known:
                why = "asignio-setup made it, but its state (an earlier format) holds no hash of what it uploaded"
                return Kept(what, f"{why}: kept ({FORCE_HINT})")
            return Kept(what, f"changed since asignio-setup uploaded it: kept ({FORCE_HINT})")
        return None


def policy_standing(ctx: StepContext, policy_id: str, content: bytes) -> PolicyStanding:
    """What the tool may do with a tenant's policy. With a state on this machine only its ledger proves (and an
    intent an interrupted setup noted, whose upload the policy's own comment then vouches for); with no state, the
    policy's asignio-setup comment: whole, it says who made it and that the tool uploaded what it holds; broken, that
    the tool uploaded into it and it changed since."""
    from wizard.policies import read_mark

    entry = ctx.ownership.entry(ObjectKind.POLICY, policy_id)
    mark = read_mark(content)
    holds = mark is not None and mark.holds
    marks_prove = ctx.ownership.marks_prove
    planned = next((after for held, after in ctx.facts.leaving.items() if held.lower() == policy_id.lower()), None)
    if planned is not None and planned == content:
        # What an earlier step of this removal puts there: the tool's upload into a policy it made, else the
        # policy given back as it was before the setup (the ledger says so once the step ran).
        made = entry.origin is Origin.MADE if entry is not None else marks_prove and holds and bool(mark and mark.made)
        return PolicyStanding(Origin.MADE, True, True) if made else PolicyStanding(Origin.FOUND, False, False)
    if entry is not None and (entry.sha256 is not None or entry.original is not None):
        # A run stopped between an upload of the tool's and its record (kill -9) leaves the ledger's hash behind (or,
        # before its first upload into the policy, only the backup it took): the policy's own comment, whole and of
        # the same origin, still proves the tenant holds the tool's upload.
        written_by_the_tool = holds and mark is not None and mark.made == (entry.origin is Origin.MADE)
        unchanged = holds_upload(entry, content) or written_by_the_tool
        return PolicyStanding(entry.origin, True, unchanged)
    if entry is not None:
        # Recorded with no upload of the tool's: found, or made by a state format that kept no hash.
        return PolicyStanding(entry.origin, entry.origin is Origin.MADE, False, hash_known=False)
    if mark is not None and mark.made and holds and upload_intended(ctx, policy_id):
        return PolicyStanding(Origin.MADE, True, True)  # uploaded by a setup killed before it could record it
    if mark is not None and marks_prove:
        return PolicyStanding(Origin.MADE if mark.made else Origin.FOUND, True, holds)
    return PolicyStanding(None, False, False, recorded=not marks_prove)


async def every_policy(ctx: StepContext) -> dict[str, bytes]:
    """Every policy the tenant holds, as the earlier removal steps leave it (`RunFacts.leaving`)."""
    listed = await ctx.graph.policy_ids()
    contents = await asyncio.gather(*(ctx.graph.policy_xml(policy_id) for policy_id in listed))
    policies = {policy_id: content for policy_id, content in zip(listed, contents, strict=True) if content is not None}
    for policy_id, after in ctx.facts.leaving.items():
        held = next((held for held in policies if held.lower() == policy_id.lower()), None)
        if held is not None:
            if after is None:
                del policies[held]
            else:
                policies[held] = after
    return policies


def _in(policies: Mapping[str, bytes], policy_id: str) -> str | None:
    """The tenant's spelling of `policy_id` among `policies` (B2C ids are case-insensitive)."""
    return next((held for held in policies if held.lower() == policy_id.lower()), None)


def bases(policies: Mapping[str, bytes]) -> dict[str, str]:
    """Each policy's BasePolicy (lower-case ids); a policy that does not parse names none."""
    from wizard.policies import parse_documents

    parsed, _ = parse_documents(policies)
    return {policy.name.lower(): policy.base_id.lower() for policy in parsed if policy.base_id}


def built_on(policies: Mapping[str, bytes], deleting: Iterable[str]) -> dict[str, str]:
    """Of the policies `deleting`, each one a policy that stays builds on (through any number of bases), with that
    policy: no base-chain policy goes while something that stays builds on it."""
    base_of = bases(policies)
    going = {policy_id.lower() for policy_id in deleting}
    spelled = {policy_id.lower(): policy_id for policy_id in policies}
    held_up: dict[str, str] = {}
    for staying in (policy_id for policy_id in policies if policy_id.lower() not in going):
        seen: set[str] = set()
        base = base_of.get(staying.lower())
        while base is not None and base not in seen:
            seen.add(base)
            if base in going:
                held_up.setdefault(spelled.get(base, base), staying)
            base = base_of.get(base)
    return held_up


def lineage(policies: Mapping[str, bytes], start: str) -> dict[str, bytes]:
    """`start` and every base it builds on that the tenant holds, keyed by the tenant's policy ids."""
    base_of = bases(policies)
    spelled = {held.lower(): held for held in policies}
    found = {start: policies[start]}
    base = base_of.get(start.lower())
    while base is not None and base in spelled and spelled[base] not in found:
        found[spelled[base]] = policies[spelled[base]]
        base = base_of.get(base)
    return found


def children_first(policies: Mapping[str, bytes], policy_ids: Iterable[str]) -> list[str]:
    """`policy_ids` ordered so each goes before the bases it builds on (B2C refuses to delete a base first)."""
    base_of = bases(policies)

    def depth(policy_id: str) -> int:
        seen: set[str] = set()
        base = base_of.get(policy_id.lower())
        while base is not None and base not in seen:
            seen.add(base)
            base = base_of.get(base)
        return len(seen)

    return sorted(policy_ids, key=depth, reverse=True)


def names_key_sets(policies: Mapping[str, bytes]) -> dict[str, str]:
    """Each key set (lower-case id) a policy names as a StorageReferenceId, with one policy naming it."""
    from wizard.policies import NS, UnsafeXmlError, parse_policy

    named: dict[str, str] = {}
    for policy_id, content in policies.items():
        try:
            root = parse_policy(content, policy_id).getroot()
        except UnsafeXmlError:
            continue
        for key_set in root.xpath("//b:Key/@StorageReferenceId", namespaces=NS):
            named.setdefault(str(key_set).lower(), policy_id)
    return named


def names_app_ids(policies: Mapping[str, bytes]) -> dict[str, str]:
    """Each appId (lower case) a policy's login-NonInteractive names (the IEF apps), with one policy naming it."""
    named: dict[str, str] = {}
    for policy_id, content in policies.items():
        for app_id in named_app_ids(content):
            if app_id:
                named.setdefault(app_id.lower(), policy_id)
    return named


@dataclass(frozen=True)
class PolicyRemoval:
    """One policy the removal deletes, or puts back as it was before the setup (`restore`)."""

    policy_id: str
    content: bytes
    restore: bytes | None = None


async def take_out(ctx: StepContext, step_id: str, removal: PolicyRemoval, progress: Progress) -> str:
    """Back the policy up, then delete it or put back what it held before the setup; the ledger follows."""
    ctx.back_up(removal.policy_id, removal.content)
    progress(f"backed up the tenant's {removal.policy_id}")
    if removal.restore is not None:
        progress(f"uploading {removal.policy_id} as it was before the setup")
        await ctx.graph.upload_policy(removal.policy_id, removal.restore)
        ctx.ownership.given_back(removal.policy_id)
        return f"{removal.policy_id} restored from the backup taken before the first Asignio upload"
    progress(f"deleting {removal.policy_id}")
    ctx.intend(step_id, ())
    deleted = await ctx.graph.delete_policy(removal.policy_id)
    ctx.ownership.gone(ObjectKind.POLICY, removal.policy_id)
    return f"{removal.policy_id} {'deleted' if deleted else 'was already gone'}"


class RemoveRelyingParty(RemovalStep[list[PolicyRemoval]]):
    """The Asignio relying party, when the tool made it (deleted) or replaced one that was there (that one put
    back), and the tenant still holds exactly what the tool uploaded."""

    id = "remove-relying-party"
    title = "Delete the Asignio relying-party policy"
    after = ("preflight",)
    answer_sections = ("custom_policy",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the relying-party policy {answers.custom_policy.relying_party}"

    async def check(self, ctx: StepContext) -> Finding[list[PolicyRemoval]]:
        policies = await every_policy(ctx)
        removals: list[PolicyRemoval] = []
        kept: list[Kept] = []
        for name in relying_party_ids(ctx):
            policy_id = _in(policies, name)
            if policy_id is None:
                continue
            removal, why = self._judge(ctx, policies, policy_id)
            if why is not None:
                kept.append(why)
            elif removal is not None:
                removals.append(removal)
        ids = {"policy": (removals[0].policy_id if removals else ctx.answers.custom_policy.relying_party)}
        if not removals:
            if not kept:
                return Finding(True, f"{ctx.answers.custom_policy.relying_party} is not in the tenant")
            summary = f"{kept[0].what.removeprefix('the relying-party policy ')}: {kept[0].why}"
            return Finding(True, summary if len(kept) == 1 else kept_summary(kept), ids, kept=tuple(kept))
        listed = ", ".join(removal.policy_id for removal in removals)
        leaving = {removal.policy_id: removal.restore for removal in removals}
        return Finding(False, f"{listed} in the tenant", ids, removals, kept=tuple(kept), leaving=leaving)

    def _judge(
        self, ctx: StepContext, policies: Mapping[str, bytes], policy_id: str
    ) -> tuple[PolicyRemoval | None, Kept | None]:
        what = f"the relying-party policy {policy_id}"
        content = policies[policy_id]
        standing = policy_standing(ctx, policy_id, content)
        kept = standing.kept(what, force=self.force)
        if kept is None and (builder := built_on(policies, [policy_id]).get(policy_id)) is not None:
            kept = Kept(what, f"kept: {builder}, which stays, builds on it")
        restore = None
        if kept is None and standing.origin is Origin.FOUND:
            restore = ctx.original_policy(policy_id)
            if restore is None:
                kept = Kept(what, f"{FOUND_BEFORE}; asignio-setup replaced it, and no backup of what it held is here")
        if kept is not None:
            return None, kept
        return PolicyRemoval(policy_id, content, restore), None

    async def apply(
        self, ctx: StepContext, finding: Finding[list[PolicyRemoval]], progress: Progress
    ) -> Finding[list[PolicyRemoval]]:
        removals = finding.work()
        done = [await take_out(ctx, self.id, removal, progress) for removal in removals]
        return Finding(True, "; ".join(done), finding.ids)


RELYING_PARTY_STEPS = ("relying-party", "base-chain")
"""The setup steps whose ledger entries outside the base chain are relying parties: the one that uploads it, and
the base check that first sees one the tenant already had under the answers' id."""


def relying_party_ids(ctx: StepContext) -> list[str]:
    """The answers' relying party, and every other one the ledger says the tool made or uploaded into (one an
    earlier answers file named): a remove takes what the ledger records, whatever the answers name now."""
    found = [ctx.answers.custom_policy.relying_party]
    for entry in ctx.ownership.entries(ObjectKind.POLICY):
        recorded = entry.origin is Origin.MADE or entry.sha256 is not None or entry.original is not None
        if (
            entry.step in RELYING_PARTY_STEPS
            and recorded
            and not is_chain_policy(entry.id)
            and entry.id.lower() not in {held.lower() for held in found}
        ):
            found.append(entry.id)
    return found


def answers_as_merged(answers: Answers, pieces: MergedPieces | None) -> Answers:
    """The answers the Asignio pieces in the extensions were merged with, as the ledger records them (the answers
    file may name another journey, client or policy key by now); the answers themselves when nothing is recorded."""
    if pieces is None:
        return answers
    return answers.model_copy(
        update={
            "asignio": answers.asignio.model_copy(
                update={"display_name": pieces.display_name, "client_id": pieces.client_id}
            ),
            "custom_policy": answers.custom_policy.model_copy(
                update={"journey_id": pieces.journeys[-1], "policy_key": pieces.policy_key}
            ),
            "setup": answers.setup.model_copy(update={"mfa": Mfa.PHONE if pieces.mfa else Mfa.OFF}),
        }
    )


@dataclass(frozen=True)
class ExtensionsRemoval:
    policy_id: str
    chain: dict[str, bytes]
    unmerged: Unmerged
    content: bytes
    """What is uploaded: the backup as it is, or the extensions without the Asignio pieces."""


class RemoveFromExtensions(RemovalStep[ExtensionsRemoval]):
    """The Asignio claims provider, journey and MFA pieces out of TrustFrameworkExtensions (see policies.unmerge),
    while it holds exactly what the tool uploaded; with `force`, taken out one by one from an edited one too."""

    id = "remove-from-extensions"
    title = "Take the Asignio pieces out of the extensions policy"
    after = ("remove-relying-party",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")

    def describe(self, answers: Answers) -> str:
        mfa = " and the phone-MFA pieces" if answers.setup.mfa is Mfa.PHONE else ""
        return (
            f"Take the Asignio claims provider, journey {answers.custom_policy.journey_id}{mfa} out of "
            f"{EXTENSIONS_POLICY}, restoring the backup when nothing else changed"
        )

    async def check(self, ctx: StepContext) -> Finding[ExtensionsRemoval]:
        from wizard.policies import marked, same_content, unmarked, without_asignio

        policies = await every_policy(ctx)
        policy_id = _in(policies, EXTENSIONS_POLICY)
        if policy_id is None:
            return Finding(True, f"the tenant has no {EXTENSIONS_POLICY}")
        chain = lineage(policies, policy_id)
        current = chain[policy_id]
        entry = ctx.ownership.entry(ObjectKind.POLICY, policy_id)
        pieces = entry.merged if entry is not None else None
        earlier = pieces.journeys[:-1] if pieces is not None else ()
        try:
            merged_with = answers_as_merged(ctx.answers, pieces)
            unmerged = without_asignio(merged_with, chain, ctx.original_policy(policy_id), earlier)
        except PolicyError as error:
            raise TenantNotReadyError(
                f"{policy_id} cannot be read as a policy chain: {error.what}", error.fix
            ) from None
        ids = {"policy": policy_id}
        if same_content(unmarked(current), unmarked(unmerged.content)):
            return Finding(True, f"{policy_id} holds no Asignio pieces", ids)
        what = f"{policy_id} (the Asignio pieces in it)"
        standing = policy_standing(ctx, policy_id, current)
        # --force overrides "changed since the tool uploaded it" (only what the Asignio template defines is taken
        # out then, one by one), never "not made by asignio-setup".
        kept = standing.kept(what, force=self.force)
        if kept is None:
            kept = _breaks_what_builds_on(policies, policy_id, unmerged.content, what)
        if kept is not None:
            return Finding(True, f"{policy_id}: {kept.why}", ids, kept=(kept,))
        made = standing.origin is Origin.MADE
        if unmerged.restored or not made:
            content = unmerged.content if unmerged.restored else unmarked(unmerged.content)
        else:
            content = marked(unmerged.content, made=True, tenant_domain=ctx.answers.tenant.domain)
        removal = ExtensionsRemoval(policy_id, chain, unmerged, content)
        return Finding(False, f"{policy_id} holds the Asignio pieces", ids, removal, leaving={policy_id: content})

    async def apply(
        self, ctx: StepContext, finding: Finding[ExtensionsRemoval], progress: Progress
    ) -> Finding[ExtensionsRemoval]:
        removal = finding.work()
        _refuse_invalid(removal)
        ctx.back_up(removal.policy_id, removal.chain[removal.policy_id])
        progress(f"backed up the tenant's {removal.policy_id}")
        progress(f"uploading {removal.policy_id} without Asignio ({len(removal.content):,} bytes)")
        await ctx.graph.upload_policy(removal.policy_id, removal.content)
        entry = ctx.ownership.entry(ObjectKind.POLICY, removal.policy_id)
        if entry is not None and entry.origin is Origin.MADE:
            ctx.ownership.uploaded(self.id, removal.policy_id, removal.content, created=False)
            ctx.ownership.merging(removal.policy_id, None)
        else:
            ctx.ownership.given_back(removal.policy_id)
        return Finding(True, f"{removal.policy_id}: {removal.unmerged.how}", {"policy": removal.policy_id})


def _breaks_what_builds_on(policies: Mapping[str, bytes], policy_id: str, new: bytes, what: str) -> Kept | None:
    """The extensions stay as they are when a policy that stays builds on them and would no longer validate
    without the Asignio pieces (say, a relying party someone uploaded that uses the Asignio journey)."""
    from wizard.policies import check_chain

    for dependent in policies:
        documents = lineage(policies, dependent)
        if dependent.lower() == policy_id.lower() or policy_id not in documents:
            continue
        before = {str(problem) for problem in check_chain(documents, None)}
        after = [
            str(problem) for problem in check_chain({**documents, policy_id: new}, None) if str(problem) not in before
        ]
        if after:
            return Kept(what, f"kept: {dependent}, which stays, builds on it and would not validate without them")
    return None


def _refuse_invalid(removal: ExtensionsRemoval) -> None:
    """The extensions without Asignio must still validate with their base (the relying party is gone by now): a
    later edit that uses an Asignio piece would otherwise be uploaded broken."""
    from wizard.policies import check_chain, find_xsd, load_schema

    chain = {**removal.chain, removal.policy_id: removal.content}
    schema_path = find_xsd()
    problems = check_chain(chain, load_schema(schema_path) if schema_path is not None else None)
    if problems:
        raise TenantNotReadyError(
            f"{removal.policy_id} without the Asignio pieces would not validate ({problems[0]}): something added "
            "to it since the setup uses them",
            f"take that out of {removal.policy_id} (or upload the backup under the state folder's backups/), then "
            "run remove again",
        )


class RemoveStarterPolicies(RemovalStep[list[PolicyRemoval]]):
    """For `remove --all`: the policies the tool made besides the relying party (the starter-pack base it uploaded,
    a sample relying party), children first; each only while it holds what the tool uploaded and nothing that stays
    builds on it. What the tenant had before the setup stays and the plan says so."""

    id = "remove-starter-base"
    title = "Delete the starter-pack policies the setup uploaded"
    after = ("remove-from-extensions",)

    def describe(self, answers: Answers) -> str:
        return "Delete the starter-pack policies the setup uploaded, children before their bases"

    async def check(self, ctx: StepContext) -> Finding[list[PolicyRemoval]]:
        policies = await every_policy(ctx)
        relying_parties = {policy_id.lower() for policy_id in relying_party_ids(ctx)}
        going: dict[str, bytes] = {}
        kept: list[Kept] = []
        for policy_id, content in policies.items():
            if policy_id.lower() in relying_parties:
                continue  # the relying party's own step judged it
            standing = policy_standing(ctx, policy_id, content)
            why = standing.kept(
                f"the policy {policy_id}", force=self.force, unrecorded_surprise=surprise_if_unrecorded(ctx)
            )
            if why is None and standing.origin is Origin.MADE:
                going[policy_id] = content
            elif why is not None and (standing.origin is not None or is_chain_policy(policy_id)):
                kept.append(why)
        for policy_id, builder in built_on(policies, going).items():
            del going[policy_id]
            kept.append(Kept(f"the policy {policy_id}", f"kept: {builder}, which stays, builds on it"))
        if not going:
            summary = "the starter-pack policies were there before the setup: kept" if kept else "none to delete"
            if any(item.surprising for item in kept):
                summary = kept_summary(kept)
            return Finding(True, summary, kept=tuple(kept))
        order = children_first(policies, going)
        removals = [PolicyRemoval(policy_id, going[policy_id]) for policy_id in order]
        leaving = dict.fromkeys(order)
        return Finding(False, f"{', '.join(order)} to delete", found=removals, kept=tuple(kept), leaving=leaving)

    async def apply(
        self, ctx: StepContext, finding: Finding[list[PolicyRemoval]], progress: Progress
    ) -> Finding[list[PolicyRemoval]]:
        removals = finding.work()
        done = [await take_out(ctx, self.id, removal, progress) for removal in removals]
        return Finding(True, "; ".join(done))


# Key sets


async def _bak_note(ctx: StepContext, deleted: Iterable[str]) -> str:
    """The `.bak` copies B2C kept of deleted key sets, as words to add to the summary."""
    kept = [backup.id for key_set in deleted if (backup := await ctx.graph.key_set(key_set + KEY_SET_BACKUP_SUFFIX))]
    if not kept:
        return ""
    copies = "a backup copy" if len(kept) == 1 else "backup copies"
    pronoun = "it" if len(kept) == 1 else "them"
    return (
        f"; B2C keeps {copies}, {', '.join(kept)}, which this tool leaves alone (delete {pronoun} under Policy keys "
        f"in the portal if {pronoun} should go too)"
    )


def key_set_kept(
    entry: LedgerEntry | None, key_set: KeySet, named_by: str | None, *, unrecorded_surprise: bool = True
) -> Kept | None:
    """Why a key set stays, or None when the tool made it, holds only keys it put there, and no policy that
    stays names it."""
    what = f"the key set {key_set.id}"
    if entry is None or entry.origin is Origin.FOUND:
        if entry is not None and entry.kids:
            why = (
                f"{FOUND_BEFORE}; the key asignio-setup put in it stays, as Graph cannot delete one key: delete the "
                "key set in the portal if it should go"
            )
            return Kept(what, why)
        return found_or_unproven(entry, what, unmarked_kind("key set"), surprising=unrecorded_surprise)
    if entry.kids is not None:
        foreign = [identity for key in key_set.keys if (identity := key_identity(key)) not in entry.kids]
        if foreign:
            return Kept(what, f"kept: it holds {len(foreign)} key(s) asignio-setup did not put there")
    if named_by is not None:
        return Kept(what, f"kept: {named_by}, which stays, names it")
    return None


class RemovePolicyKey(RemovalStep[list[str]]):
    id = "remove-policy-key"
    title = "Delete the Asignio policy key"
    after = ("remove-from-extensions",)
    answer_sections = ("custom_policy",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the policy key {answers.custom_policy.policy_key}"

    async def check(self, ctx: StepContext) -> Finding[list[str]]:
        name = ctx.answers.custom_policy.policy_key
        names = policy_key_ids(ctx)
        made = {entry.id.lower() for entry in ctx.ownership.entries(ObjectKind.KEY_SET, Origin.MADE)} & {
            held.lower() for held in names
        }

        present = await look_for_the_setups_work(
            ctx,
            self.id,
            ("policy-key",),
            f"the policy key {name}",
            lambda: key_sets_held(ctx, names),
            lambda found: made <= {key_set.id.lower() for key_set in found},
        )
        if not present:
            return Finding(True, f"{name} is not in the tenant")
        named = names_key_sets(await every_policy(ctx))

        def why_kept(key_set: KeySet, entry: LedgerEntry | None) -> Kept | None:
            made_here = entry is not None and entry.origin is Origin.MADE
            return key_set_kept(entry, key_set, named.get(key_set.id.lower()) if made_here else None)

        going, kept = key_sets_going(ctx, present, why_kept)
        ids = {"key_set": (going or [key_set.id for key_set in present])[0]}
        if not going:
            only = f"{kept[0].what.removeprefix('the key set ')}: {kept[0].why}"
            summary = only if len(kept) == 1 else kept_summary(kept)
            return Finding(True, summary, ids, kept=tuple(kept))
        return Finding(False, f"{', '.join(going)} in the tenant", ids, going, kept=tuple(kept))

    async def apply(self, ctx: StepContext, finding: Finding[list[str]], progress: Progress) -> Finding[list[str]]:
        going = finding.work()
        ctx.intend(self.id, ())
        done = []
        for key_set_id in going:
            progress(f"deleting {key_set_id}")
            deleted = await ctx.graph.delete_key_set(key_set_id)
            ctx.ownership.gone(ObjectKind.KEY_SET, key_set_id)
            done.append(f"{key_set_id} {'deleted' if deleted else 'was already gone'}")
        return Finding(True, f"{'; '.join(done)}{await _bak_note(ctx, going)}", finding.ids)


async def key_sets_held(ctx: StepContext, names: Sequence[str]) -> list[KeySet]:
    """The key sets of these names the tenant holds, read side by side."""
    found = await asyncio.gather(*(ctx.graph.key_set(name) for name in names))
    return [key_set for key_set in found if key_set is not None]


def key_sets_going(
    ctx: StepContext, present: Sequence[KeySet], why_kept: Callable[[KeySet, LedgerEntry | None], Kept | None]
) -> tuple[list[str], list[Kept]]:
    """The ids of the key sets a removal deletes, and why it keeps each other one (`why_kept`, given the key set
    and its ledger entry, None when nothing keeps it)."""
    going: list[str] = []
    kept: list[Kept] = []
    for key_set in present:
        why = why_kept(key_set, ctx.ownership.entry(ObjectKind.KEY_SET, key_set.id))
        if why is None:
            going.append(key_set.id)
        else:
            kept.append(why)
    return going, kept


def policy_key_ids(ctx: StepContext) -> list[str]:
    """The answers' policy key, and every other key set the ledger says the policy-key step made or put a key in
    (one an earlier answers file named)."""
    found = [ctx.answers.custom_policy.policy_key]
    for entry in ctx.ownership.entries(ObjectKind.KEY_SET):
        if entry.step == POLICY_KEY_STEP and entry.id.lower() not in {held.lower() for held in found}:
            found.append(entry.id)
    return found


class RemoveStarterKeys(RemovalStep[list[str]]):
    """For `remove --all`: the key sets the tool made for the starter pack (and any other it made but the policy
    key), once no policy that stays names them."""

    id = "remove-starter-keys"
    title = "Delete the starter-pack key sets the setup created"
    after = ("remove-starter-base",)

    def describe(self, answers: Answers) -> str:
        return "Delete the starter-pack key sets the setup created (the base that named them is gone)"

    async def check(self, ctx: StepContext) -> Finding[list[str]]:
        policy_keys = {key_set.lower() for key_set in policy_key_ids(ctx)}
        made = [
            entry.id
            for entry in ctx.ownership.entries(ObjectKind.KEY_SET, Origin.MADE)
            if entry.id.lower() not in policy_keys
        ]
        starter = [step.key_set for step in (TokenSigningKeySet, TokenEncryptionKeySet, FacebookSecretKeySet)]
        names = [*made, *(name for name in starter if name.lower() not in {held.lower() for held in made})]

        present = await look_for_the_setups_work(
            ctx,
            self.id,
            STARTER_KEY_STEPS,
            "the starter-pack key sets",
            lambda: key_sets_held(ctx, names),
            lambda found: len(found) >= len(made),
        )
        named = names_key_sets(await every_policy(ctx)) if present else {}
        going, kept = key_sets_going(
            ctx,
            present,
            lambda key_set, entry: key_set_kept(
                entry, key_set, named.get(key_set.id.lower()), unrecorded_surprise=surprise_if_unrecorded(ctx)
            ),
        )
        if not going:
            summary = "the starter-pack key sets were there before the setup: kept" if kept else "none to delete"
            if any(item.surprising for item in kept):
                summary = kept_summary(kept)
            return Finding(True, summary, kept=tuple(kept))
        return Finding(False, f"{', '.join(going)} to delete", found=going, kept=tuple(kept))

    async def apply(self, ctx: StepContext, finding: Finding[list[str]], progress: Progress) -> Finding[list[str]]:
        going = finding.work()
        ctx.intend(self.id, ())
        for key_set_id in going:
            progress(f"deleting the key set {key_set_id}")
            await ctx.graph.delete_key_set(key_set_id)
            ctx.ownership.gone(ObjectKind.KEY_SET, key_set_id)
        return Finding(True, f"deleted the key sets {', '.join(going)}{await _bak_note(ctx, going)}")


# Applications, service principals and consent grants


def app_is_ours(ctx: StepContext, entry: LedgerEntry | None, tags: tuple[str, ...], *, of_ours: bool = False) -> bool:
    """The ledger records the tool made it; with no record, it carries the tool's tag and either no state records
    the tenant or (`of_ours`, a service principal) its app is one the tool made."""
    if entry is not None:
        return entry.origin is Origin.MADE
    return OWNER_TAG in tags and (ctx.ownership.marks_prove or of_ours)


def app_kept(ctx: StepContext, kind: ObjectKind, object_id: str, what: str, *, unrecorded_surprise: bool) -> Kept:
    entry = ctx.ownership.entry(kind, object_id)
    why = f"{NO_RECORD} and it does not carry the {OWNER_TAG} tag" if ctx.ownership.marks_prove else NOT_IN_THE_LEDGER
    return found_or_unproven(entry, what, why, surprising=unrecorded_surprise)


@dataclass(frozen=True)
class AppInTenant:
    """An app registration as the tenant holds it, with its service principal and the grants given to it."""

    app: Application
    principal: ServicePrincipal | None
    grants: tuple[PermissionGrant, ...]

    @property
    def ids(self) -> set[str]:
        principal = {self.principal.object_id} if self.principal is not None else set()
        return {self.app.object_id, *principal, *(grant.id for grant in self.grants)}


async def recorded_apps(ctx: StepContext, steps: Iterable[str]) -> list[Application]:
    """The app registrations the ledger says the setup steps `steps` made or found, read by object id, whatever
    they are called now (renamed in the portal, or the answers name another)."""
    wanted = set(steps)
    entries = [entry for entry in ctx.ownership.entries(ObjectKind.APPLICATION) if entry.step in wanted]
    found = await asyncio.gather(*(ctx.graph.application(entry.id) for entry in entries))
    return [app for app in found if app is not None]


async def apps_in_tenant(ctx: StepContext, apps: Iterable[Application]) -> list[AppInTenant]:
    """Each app (once, by object id) with its service principal and the grants given to it."""
    unique = {app.object_id: app for app in apps}
    found = []
    for app in sorted(unique.values(), key=lambda app: app.object_id):
        principal = await ctx.graph.service_principal(app.app_id)
        grants = await ctx.graph.permission_grants_of(principal.object_id) if principal is not None else []
        found.append(AppInTenant(app, principal, tuple(grants)))
    return found


def made_by(ctx: StepContext, steps: Iterable[str]) -> set[str]:
    """The ids of the apps, service principals and consent grants the ledger says the setup steps `steps` made."""
    wanted = set(steps)
    kinds = (ObjectKind.APPLICATION, ObjectKind.SERVICE_PRINCIPAL, ObjectKind.CONSENT_GRANT)
    return {entry.id for kind in kinds for entry in ctx.ownership.entries(kind, Origin.MADE) if entry.step in wanted}


@dataclass(frozen=True)
class AppRemoval:
    """What goes of one app registration: the consent grants given to it, its service principal, the app itself
    (None or empty where it stays)."""

    name: str
    app: Application | None
    principal: ServicePrincipal | None
    grants: tuple[PermissionGrant, ...]

    @property
    def pending(self) -> bool:
        return self.app is not None or self.principal is not None or bool(self.grants)

    @property
    def summary(self) -> str:
        """What went, for the step's line."""
        if self.app is not None and self.principal is not None:
            return f"{self.name} ({self.app.app_id}) deleted with its service principal and consent"
        parts = [
            *([f"the app registration {self.name} ({self.app.app_id})"] if self.app is not None else []),
            *([f"the service principal of {self.name}"] if self.principal is not None else []),
            *([f"{len(self.grants)} consent grant(s) given to {self.name}"] if self.grants else []),
        ]
        return f"{', '.join(parts)} deleted"

    async def delete(self, ctx: StepContext, progress: Progress) -> None:
        """Grants, then the service principal, then the app, each by its own call; the ledger follows."""
        for grant in self.grants:
            progress(f"deleting the consent grant {grant.id} of {self.name}")
            await ctx.graph.delete_permission_grant(grant.id)
            ctx.ownership.gone(ObjectKind.CONSENT_GRANT, grant.id)
        if self.principal is not None:
            progress(f"deleting the service principal of {self.name}")
            await ctx.graph.delete_service_principal(self.principal.object_id)
            ctx.ownership.gone(ObjectKind.SERVICE_PRINCIPAL, self.principal.object_id)
        if self.app is not None:
            progress(f"deleting the app registration {self.name} ({self.app.app_id})")
            await ctx.graph.delete_application(self.app.object_id)
            ctx.ownership.gone(ObjectKind.APPLICATION, self.app.object_id)


def judge_app(
    ctx: StepContext, found: AppInTenant, *, named_by: str | None = None, unrecorded_surprise: bool = True
) -> tuple[AppRemoval, list[Kept]]:
    """What of an app registration, its service principal and the consent grants given to it the tool may delete:
    each the ledger records as made (or, with no record, that carries the tool's tag); a grant the ledger records
    as made, or given to a service principal that goes (Entra keeps no grant without its client). All of it stays
    while a policy that stays names the app (`named_by`)."""
    app, principal = found.app, found.principal
    name = app.display_name
    if named_by is not None:
        return AppRemoval(name, None, None, ()), [
            Kept(f"the app registration {name} ({app.app_id})", f"kept: {named_by}, which stays, names it")
        ]
    kept: list[Kept] = []
    app_goes = app_is_ours(ctx, ctx.ownership.entry(ObjectKind.APPLICATION, app.object_id), app.tags)
    if not app_goes:
        what = f"the app registration {name} ({app.app_id})"
        kept.append(app_kept(ctx, ObjectKind.APPLICATION, app.object_id, what, unrecorded_surprise=unrecorded_surprise))
    principal_goes = principal is not None and app_is_ours(
        ctx, ctx.ownership.entry(ObjectKind.SERVICE_PRINCIPAL, principal.object_id), principal.tags, of_ours=app_goes
    )
    if principal is not None and not principal_goes:
        what = f"the service principal of {name}"
        kept.append(
            app_kept(
                ctx, ObjectKind.SERVICE_PRINCIPAL, principal.object_id, what, unrecorded_surprise=unrecorded_surprise
            )
        )
    going_grants = []
    for grant in found.grants:
        entry = ctx.ownership.entry(ObjectKind.CONSENT_GRANT, grant.id)
        if principal_goes or (entry is not None and entry.origin is Origin.MADE):
            going_grants.append(grant)
        else:
            what = f"the consent grant {grant.id} of {name}"
            kept.append(found_or_unproven(entry, what, unmarked_kind("consent grant"), surprising=unrecorded_surprise))
    removal = AppRemoval(name, app if app_goes else None, principal if principal_goes else None, tuple(going_grants))
    return removal, kept


class RemoveTestApp(RemovalStep[list[AppRemoval]]):
    """The jwt.ms app, its service principal and its admin consent, each deleted explicitly."""

    id = "remove-test-app"
    title = "Delete the jwt.ms test application"
    after = ("preflight",)
    answer_sections = ("test_app",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the app registration '{answers.test_app.display_name}', its service principal and consent"

    async def _look(self, ctx: StepContext) -> list[AppInTenant]:
        name = ctx.answers.test_app.display_name
        ours = test_app_unique_name(name)
        named = await ctx.graph.applications_named(name)
        recorded = await recorded_apps(ctx, (TEST_APP_STEP,))
        return await apps_in_tenant(
            ctx, [*recorded, *(app for app in named if app.unique_name is None or app.unique_name == ours)]
        )

    async def check(self, ctx: StepContext) -> Finding[list[AppRemoval]]:
        name = ctx.answers.test_app.display_name
        made = made_by(ctx, (TEST_APP_STEP,))
        found = await look_for_the_setups_work(
            ctx,
            self.id,
            (TEST_APP_STEP,),
            f"the app {name} and its consent",
            lambda: self._look(ctx),
            lambda looked: made <= {object_id for each in looked for object_id in each.ids},
        )
        if not found:
            return Finding(True, f"no app registration named {name}")
        judged = [judge_app(ctx, each) for each in found]
        removals = [removal for removal, _ in judged if removal.pending]
        kept = tuple(item for _, items in judged for item in items)
        ids = {"application": found[0].app.object_id, "app_id": found[0].app.app_id}
        if not removals:
            return Finding(True, kept_summary(kept), ids, kept=kept)
        listed = ", ".join(each.app.app_id for each in found)
        return Finding(False, f"{name} ({listed}) is in the tenant", ids, removals, kept=kept)

    async def apply(
        self, ctx: StepContext, finding: Finding[list[AppRemoval]], progress: Progress
    ) -> Finding[list[AppRemoval]]:
        removals = finding.work()
        ctx.intend(self.id, ())
        for removal in removals:
            await removal.delete(ctx, progress)
        return Finding(True, "; ".join(removal.summary for removal in removals), finding.ids)


class RemoveIefApps(RemovalStep[list[AppRemoval]]):
    """For `remove --all`: the IEF consent grants, then each IEF app's service principal and registration the tool
    made; Microsoft Graph's service principal is never the setup's to take (every consent to Graph in the tenant
    rests on it), and an app a policy that stays names stays with all of its parts."""

    id = "remove-ief-apps"
    title = "Delete the IEF apps and consent the setup created"
    after = ("remove-starter-base",)

    def describe(self, answers: Answers) -> str:
        return "Delete the IEF consent grants, service principals and app registrations the setup created"

    async def check(self, ctx: StepContext) -> Finding[list[AppRemoval]]:
        steps = (*IEF_STEPS, IEF_GRANT_STEP)
        made = made_by(ctx, steps)

        async def look() -> list[AppInTenant]:
            named = await asyncio.gather(
                *(ctx.graph.applications_named(name) for name in (PROXY_APP_NAME, IEF_APP_NAME))
            )
            recorded = await recorded_apps(ctx, IEF_STEPS)
            return await apps_in_tenant(ctx, [*recorded, *(app for apps in named for app in apps)])

        found = await look_for_the_setups_work(
            ctx,
            self.id,
            steps,
            "the IEF apps, service principals and consent grants",
            look,
            lambda looked: made <= {object_id for each in looked for object_id in each.ids},
        )
        named = names_app_ids(await every_policy(ctx)) if found else {}
        surprise = surprise_if_unrecorded(ctx)
        judged = [
            judge_app(ctx, each, named_by=named.get(each.app.app_id.lower()), unrecorded_surprise=surprise)
            for each in found
        ]
        removals = [removal for removal, _ in judged if removal.pending]
        kept = tuple(item for _, items in judged for item in items)
        if not removals:
            summary = "the IEF apps, service principals and consent grants were there before the setup: kept"
            if not kept:
                summary = "none to delete"
            elif any(item.surprising for item in kept):
                summary = kept_summary(kept)
            return Finding(True, summary, kept=kept)
        return Finding(False, f"{', '.join(removal.name for removal in removals)} to delete", found=removals, kept=kept)

    async def apply(
        self, ctx: StepContext, finding: Finding[list[AppRemoval]], progress: Progress
    ) -> Finding[list[AppRemoval]]:
        removals = finding.work()
        ctx.intend(self.id, ())
        for removal in removals:
            await removal.delete(ctx, progress)
        return Finding(True, "; ".join(removal.summary for removal in removals))


# The user-flow path


class RemoveUserFlow(RemovalStep[list[str]]):
    id = "remove-user-flow"
    outputs = ("kept_flows",)
    title = "Delete the Asignio user flow"
    after = ("preflight",)
    answer_sections = ("user_flow",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the user flow {answers.user_flow.name}"

    async def check(self, ctx: StepContext) -> Finding[list[str]]:
        name = ctx.answers.user_flow.name
        names = recorded_or_named(ctx, ObjectKind.USER_FLOW, USER_FLOW_STEP, name)
        made = {entry.id.lower() for entry in ctx.ownership.entries(ObjectKind.USER_FLOW, Origin.MADE)}

        async def look() -> list[UserFlow]:
            found = await asyncio.gather(*(ctx.graph.user_flow(flow_id) for flow_id in names))
            return list({flow.id.lower(): flow for flow in found if flow is not None}.values())

        flows = await look_for_the_setups_work(
            ctx,
            self.id,
            (USER_FLOW_STEP,),
            f"the user flow {name}",
            look,
            lambda found: made & {held.lower() for held in names} <= {flow.id.lower() for flow in found},
        )
        going: list[str] = []
        kept: list[Kept] = []
        for flow in flows:
            why = await self._kept(ctx, flow)
            if why is None:
                going.append(flow.id)
            else:
                kept.append(why)
        ctx.facts.kept_flows = tuple(item.what.removeprefix("the user flow ") for item in kept)
        if not flows:
            return Finding(True, f"{name} is not in the tenant")
        ids = {"user_flow": (going or [flow.id for flow in flows])[0]}
        if not going:
            only = f"{kept[0].what.removeprefix('the user flow ')}: {kept[0].why}"
            return Finding(True, only if len(kept) == 1 else kept_summary(kept), ids, kept=tuple(kept))
        return Finding(False, f"{', '.join(going)} in the tenant", ids, going, kept=tuple(kept))

    async def _kept(self, ctx: StepContext, flow: UserFlow) -> Kept | None:
        entry = ctx.ownership.entry(ObjectKind.USER_FLOW, flow.id)
        what = f"the user flow {flow.id}"
        if entry is None or entry.origin is not Origin.MADE:
            return found_or_unproven(entry, what, unmarked_kind("user flow"))
        unlike = await unlike_the_flow_made(ctx, entry, flow)
        if unlike is None or self.force:
            return None
        return Kept(
            what,
            f"{unlike}: changed since asignio-setup made it, or deleted and made again by hand under its name (a B2C "
            "user flow's id is its name): kept (--force deletes it all the same)",
        )

    async def apply(self, ctx: StepContext, finding: Finding[list[str]], progress: Progress) -> Finding[list[str]]:
        flow_ids = finding.work()
        ctx.intend(self.id, ())
        done = []
        for flow_id in flow_ids:
            progress(f"deleting {flow_id}")
            deleted = await ctx.graph.delete_user_flow(flow_id)
            ctx.ownership.gone(ObjectKind.USER_FLOW, flow_id)
            done.append(f"{flow_id} {'deleted' if deleted else 'was already gone'}")
        return Finding(True, "; ".join(done), finding.ids)


def recorded_or_named(ctx: StepContext, kind: ObjectKind, step_id: str, name: str) -> list[str]:
    """The object the answers name, and every other of that kind the ledger says the setup step made or found (one
    an earlier answers file named)."""
    found = [name]
    for entry in ctx.ownership.entries(kind):
        if entry.step == step_id and entry.id.lower() not in {held.lower() for held in found}:
            found.append(entry.id)
    return found


class RemoveIdentityProvider(RemovalStep["list[TenantIdentityProvider]"]):
    """The Asignio OpenID Connect providers the ledger says the tool made (by id, whatever they are called now),
    while still of that kind with the client id the tool gave them and no user flow that stays offers them; any
    other provider of the answers' name stays."""

    id = "remove-identity-provider"
    title = "Delete the Asignio identity provider"
    after = ("remove-user-flow",)
    answer_sections = ("asignio",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the OpenID Connect provider '{answers.asignio.display_name}'"

    async def check(self, ctx: StepContext) -> Finding[list[TenantIdentityProvider]]:
        name = ctx.answers.asignio.display_name
        recorded = {
            entry.id for entry in ctx.ownership.entries(ObjectKind.IDENTITY_PROVIDER) if entry.step == PROVIDER_STEP
        }
        made = {entry.id for entry in ctx.ownership.entries(ObjectKind.IDENTITY_PROVIDER, Origin.MADE)} & recorded

        async def look() -> list[TenantIdentityProvider]:
            return [
                provider
                for provider in await ctx.graph.identity_providers()
                if provider.id in recorded or provider.display_name == name
            ]

        shown = await look_for_the_setups_work(
            ctx,
            self.id,
            (PROVIDER_STEP,),
            f"the provider {name}",
            look,
            lambda found: made <= {provider.id for provider in found},
        )
        if not shown:
            return Finding(True, f"no provider named {name}")
        offered_by = await self._offered_by_kept_flows(ctx)
        going: list[TenantIdentityProvider] = []
        kept: list[Kept] = []
        for provider in shown:
            entry = ctx.ownership.entry(ObjectKind.IDENTITY_PROVIDER, provider.id)
            what = f"the provider {provider.display_name} ({provider.id})"
            if entry is None or entry.origin is not Origin.MADE:
                kept.append(found_or_unproven(entry, what, unmarked_kind("identity provider")))
            elif not self._as_made(ctx, entry, provider):
                kept.append(Kept(what, "changed since asignio-setup made it (another kind or client id): kept"))
            elif provider.id in offered_by:
                kept.append(Kept(what, f"kept: the user flow {offered_by[provider.id]}, which stays, offers it"))
            else:
                going.append(provider)
        if not going:
            return Finding(True, kept_summary(kept), kept=tuple(kept))
        listed = ", ".join(provider.display_name for provider in going)
        return Finding(False, f"{listed} in the tenant", {"provider": going[0].id}, going, kept=tuple(kept))

    def _as_made(self, ctx: StepContext, entry: LedgerEntry, provider: TenantIdentityProvider) -> bool:
        """Still of the kind the tool made, with the client id it last gave it (the answers' when the ledger has
        none)."""
        client_id = entry.app_id or ctx.answers.asignio.client_id
        return same_text(provider.kind, OIDC_PROVIDER_KIND) and (provider.client_id or "").lower() == client_id.lower()

    @staticmethod
    async def _offered_by_kept_flows(ctx: StepContext) -> dict[str, str]:
        """Provider id → a user flow the removal keeps that offers it."""
        offered: dict[str, str] = {}
        for flow_id in ctx.facts.kept_flows:
            for provider_id in await ctx.graph.user_flow_provider_ids(flow_id):
                offered.setdefault(provider_id, flow_id)
        return offered

    async def apply(
        self, ctx: StepContext, finding: Finding[list[TenantIdentityProvider]], progress: Progress
    ) -> Finding[list[TenantIdentityProvider]]:
        providers = finding.work()
        ctx.intend(self.id, ())
        for provider in providers:
            progress(f"deleting the provider {provider.display_name} ({provider.id})")
            await ctx.graph.delete_identity_provider(provider.id)
            ctx.ownership.gone(ObjectKind.IDENTITY_PROVIDER, provider.id)
        return Finding(True, f"{', '.join(provider.display_name for provider in providers)} deleted", finding.ids)


REMOVABLE_PIVOTS = (Pivot.CUSTOM_POLICY, Pivot.USER_FLOW)
"""The paths whose setup the remove can take out (the welcome screen offers Remove only for these)."""


def build_removal_plan(answers: Answers, *, everything: bool = False, force: bool = False) -> Plan:
    """The removal's steps for the answers' path, in a safe order (see the module's docstring); `everything`
    (`remove --all`) adds the prerequisites the setup created (the user-flow path has none); `force` lets a policy
    changed since the tool uploaded it go too."""
    if answers.setup.pivot is Pivot.CUSTOM_POLICY:
        prerequisites: tuple[AnyStep, ...] = (
            (RemoveStarterPolicies(force=force), RemoveStarterKeys(force=force), RemoveIefApps(force=force))
            if everything
            else ()
        )
        steps: tuple[AnyStep, ...] = (
            Preflight(),
            RemoveRelyingParty(force=force),
            RemoveFromExtensions(force=force),
            RemovePolicyKey(force=force),
            RemoveTestApp(force=force),
            *prerequisites,
        )
    elif answers.setup.pivot is Pivot.USER_FLOW:
        steps = (
            Preflight(),
            RemoveUserFlow(force=force),
            RemoveIdentityProvider(force=force),
            RemoveTestApp(force=force),
        )
    else:
        raise BadInputError(
            f"remove takes out the custom-policy and user-flow setups; the {answers.setup.pivot.value} path has "
            "nothing it can remove yet",
            "remove what you made in the Entra admin center, or give the answers file of a B2C setup",
        )
    return Plan(answers, steps)


def note_removed(plan: Plan) -> Callable[[RunState, tuple[Kept, ...]], None]:
    """What the state keeps once a remove finished: when, and no setup progress (its objects are gone, so a later
    setup starts afresh: no recent claims to wait for, no portal confirmations for a flow that no longer exists).
    The ledger stays: what this remove left of the tool's (the prerequisites, without --all) is still the tool's.
    A remove that kept what the operator may expect gone leaves the setup recorded as there (it partly is), for a
    later remove (`--force`, or after a fix)."""
    kept = {step.id for step in plan.steps}

    def note(state: RunState, left: tuple[Kept, ...]) -> None:
        if any(item.surprising for item in left):
            return
        state.removed_at = clock.now()
        state.steps = {step_id: record for step_id, record in state.steps.items() if step_id in kept}
        state.intents.clear()
        state.confirmed.clear()
        state.run_now_url = None
        state.finished = True

    return note
