"""What every step is made of. Each looks at the tenant first (`check`) and changes it only when needed (`apply`).

A step never trusts its own earlier run: after a crash between a request and the state write, the next
`check` finds what the tenant holds and carries on from there, so nothing is created twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

from wizard.answers import Answers, Mfa, Pivot
from wizard.clouds import ENDPOINTS
from wizard.outgoing import outgoing
from wizard.ownership import Ledger, ObjectKind, Origin, Sighting
from wizard.permissions import (
    APPLICATIONS,
    EVENT_LISTENERS,
    EXTERNAL_ID_MFA,
    GRANTS,
    KEY_SETS,
    POLICIES,
    PROVIDERS,
    USER_FLOWS,
)
from wizard.steps.chain import AsignioPolicies, BaseSource, pinned_starter_pack

if TYPE_CHECKING:
    from wizard.graph import (
        GraphClient,
        Key,
        KeySet,
        Organization,
    )
    from wizard.graph import IdentityProvider as TenantIdentityProvider
    from wizard.policies import GeneratedPolicies

B2C_TENANT_TYPE = "AAD B2C"
"""Graph's organization.tenantType for a B2C tenant; compared without spaces or case, to be lenient."""
EXTERNAL_ID_TENANT_TYPE = "CIAM"
"""Graph's organization.tenantType for an Entra External ID (external) tenant (organization.md)."""
OIDC_PROVIDER_KIND = "openIdConnectIdentityProvider"
SIGN_UP_OR_SIGN_IN = "signUpOrSignIn"
UPLOADED_SECRET_KTY = "oct"
"""An uploaded secret's key type; Graph documents it as "OCT", so it is compared without case."""
SIGNATURE_USE = "sig"
KEY_SET_BEING_CREATED = "(the key set itself)"
"""What an intent noted before a key set's create holds as its known keys: a run that finds the set afterwards
knows the interrupted run made it, and that no key of it was sent yet (another intent precedes the key's upload)."""
POLICY_KEY_LIFETIME_DAYS = 730
POLICY_KEY_RENEWAL_DAYS = 30
TEST_APP_SCOPES = "openid offline_access"

PERMISSIONS_FOR_PIVOT: dict[Pivot, tuple[str, ...]] = {
    Pivot.CUSTOM_POLICY: tuple(operation.permission for operation in (POLICIES, KEY_SETS, APPLICATIONS, GRANTS)),
    Pivot.USER_FLOW: tuple(operation.permission for operation in (PROVIDERS, USER_FLOWS, APPLICATIONS, GRANTS)),
    Pivot.EXTERNAL_ID: tuple(operation.permission for operation in (PROVIDERS, EVENT_LISTENERS, APPLICATIONS, GRANTS)),
}
EXTERNAL_ID_MFA_PERMISSIONS = tuple(operation.permission for operation in EXTERNAL_ID_MFA)


def permissions_for(answers: Answers) -> tuple[str, ...]:
    """What the answers' run needs the token to carry: the path's permissions, and on the External ID path with MFA
    on, those of the authentication methods policy and Conditional Access (an MFA-off run is not asked for them)."""
    required = PERMISSIONS_FOR_PIVOT[answers.setup.pivot]
    if answers.setup.pivot is Pivot.EXTERNAL_ID and answers.setup.mfa is not Mfa.OFF:
        required += EXTERNAL_ID_MFA_PERMISSIONS
    return required


PERMISSIONS_FOR_EVERY_PATH = tuple(
    permission
    for permission in PERMISSIONS_FOR_PIVOT[Pivot.CUSTOM_POLICY]
    if permission in PERMISSIONS_FOR_PIVOT[Pivot.USER_FLOW]
)


@dataclass(frozen=True)
class Kept:
    """Something a removal leaves in the tenant although the answers name it, and why."""

    what: str
    """The object, as the operator knows it ("the key set B2C_1A_AsignioSecret")."""
    why: str
    """Why it stays ("not made by asignio-setup: kept (…)", "changed since asignio-setup uploaded it: kept …")."""
    surprising: bool = True
    """The operator may expect it gone (the tool cannot prove it made it, or it changed since): the remove then ends
    with exit 5. False for what the state records was there before the setup."""


Found = TypeVar("Found")
"""What a step's check finds and hands to its `apply` (`Step[Found]`)."""


@dataclass(frozen=True)
class Finding(Generic[Found]):
    """What `check` saw: whether the step's work is already in the tenant, and the ids it found."""

    done: bool
    summary: str
    ids: dict[str, str] = field(default_factory=dict)
    found: Found | None = None
    """What the check found for `apply` to work on (None: nothing, or the step's object is not in the tenant)."""
    seen: tuple[Sighting, ...] = ()
    """The objects the check saw, for the ownership ledger (recorded by the runner when the step runs, never by a
    review): made when they carry the tool's mark or the step had noted its intent to make them, else found."""
    kept: tuple[Kept, ...] = ()
    """Removal steps: what the answers name that the step leaves in the tenant."""
    leaving: Mapping[str, bytes | None] = field(default_factory=dict)
    """Removal steps: each policy the step deletes (None) or changes (its new content), which the runner records
    in `RunFacts.leaving` as soon as the check returns, in the review too."""

    def __post_init__(self) -> None:
        """The summary names what the tenant holds, so it is made fit to show as it is made (wizard.outgoing)."""
        object.__setattr__(self, "summary", outgoing(self.summary))

    def work(self) -> Found:
        """What the check found, for an `apply` that needs it: a check that leaves work to do hands it over, so
        its absence is a bug."""
        if self.found is None:
            raise RuntimeError(f"the check left work to do but handed apply nothing to work on ({self.summary})")
        return self.found


@dataclass
class RunFacts:
    """What steps learn from the tenant and hand to the steps after them, within one run. Each fact has one writer:
    the step that declares it in its `outputs` (tests/test_house.py proves it), or for `leaving` the runner."""

    organization: Organization | None = None
    """The signed-in tenant (preflight)."""
    policy_ids: tuple[str, ...] = ()
    """Every policy id the tenant listed, as the base check saw them."""
    chain: dict[str, bytes] = field(default_factory=dict)
    """The tenant's starter-pack chain as the base check read it (keyed by the tenant's spelling)."""
    current_relying_party: bytes | None = None
    """The tenant's copy of the answers' relying party, as the base check read it."""
    tenant_policies: GeneratedPolicies | None = None
    """The Asignio policies built on the tenant's own chain, when the base check found one to build on."""
    asignio_policies: AsignioPolicies | None = None
    """The Asignio policies and the chain they build on once the starter pack's step has run (the tenant's own
    chain, or it with what that step uploads): what the extensions and relying-party steps upload."""
    provider: TenantIdentityProvider | None = None
    """The Asignio identity provider the provider step found or made."""
    user_flow_id: str | None = None
    """The B2C user flow the user-flow step found or made."""
    ief_app_id: str | None = None
    """The appId of the IdentityExperienceFramework app the base chain's login-NonInteractive names."""
    proxy_ief_app_id: str | None = None
    """The appId of the ProxyIdentityExperienceFramework app the base chain's login-NonInteractive names."""
    discovery_issuer: str | None = None
    """The issuer Asignio's discovery document names, which External ID's OpenID Connect provider must repeat."""
    sign_up_flow_id: str | None = None
    """The External ID sign-up/sign-in flow the test app is linked to."""
    test_app_id: str | None = None
    """The jwt.ms test app's appId (client id), once the test-app step has found or made it."""
    test_app_consent_refused: bool = False
    """Graph refused the signed-in account the test app's admin consent (403): an administrator grants it."""
    base_source: BaseSource | None = None
    """The verified starter pack (or demo base) the base check loaded because the tenant lacks part of the chain;
    None when the tenant has it, and the prerequisite steps then have nothing to do."""
    kept_flows: tuple[str, ...] = ()
    """A removal: the user flows the answers or the ledger name that the removal keeps; a provider one of them
    offers stays with it."""
    leaving: dict[str, bytes | None] = field(default_factory=dict)
    """A removal: each policy an earlier removal step deletes (None) or changes (its new content), so a later
    step's check (in the review too, before anything is written) judges the tenant as the removal leaves it. The
    runner's to write, from each check's `Finding.leaving`."""


POLICY_UPLOAD_STEPS = ("starter-pack-base", "extensions-policy", "relying-party")
"""The setup steps that upload policies, each noting an intent naming them first."""


def upload_intended(ctx: StepContext, policy_id: str) -> bool:
    """Whether an interrupted run noted that it was about to upload the policy (an intent not yet cleared by the
    step finishing): then its asignio-setup comment, if it holds, is that upload's, whatever the state says."""
    return any(
        policy_id.lower() in {named.lower() for named in ctx.intent_known(step_id) or ()}
        for step_id in POLICY_UPLOAD_STEPS
    )


@dataclass
class StepContext:
    """Everything a step may use; steps never reach for globals."""

    answers: Answers
    graph: GraphClient
    secret: Callable[[], str]
    back_up: Callable[[str, bytes], str]
    """Download-first: keep the policy's content in the backups folder (recorded in the state); the file's path."""
    confirmed: Callable[[str], bool]
    intend: Callable[[str, Sequence[str]], None]
    """Record in the state, before a create Graph cannot repeat safely, that the step is about to make it."""
    intent_known: Callable[[str], tuple[str, ...] | None]
    """What the tenant held when an earlier, unfinished run noted that intent (None: it noted none)."""
    claim_age: Callable[[str], float | None]
    """Seconds since an earlier run made, found or was about to make the step's work, while that is recent enough
    for Graph not to show it yet (replication); None otherwise."""
    rotate_secret: bool = False
    """The operator gave a new Asignio Client Secret: the steps that hold it send it again."""
    original_policy: Callable[[str], bytes | None] = lambda policy_id: None
    """The policy as it was just before the tool's first upload into it (the backup the ledger names), for a
    remove."""
    ownership: Ledger = field(default_factory=Ledger)
    """The ownership ledger (wizard.ownership): a step records there each object it creates the moment Graph's
    answer arrives, and a removal reads there what it may delete; every change is saved at once."""
    patient: bool = True
    """Steps wait for what this run's earlier steps made moments ago to show (a list may not show it yet); a look
    that runs no step first (`plan`, the review) takes such looks as they are."""
    waits_for_claims: bool = True
    """`look_patiently` waits for what the state says an earlier run made (or was about to make) moments ago, as a
    run and `plan` do; the wizard's review takes the first look as it is rather than keep the operator waiting on a
    screen that has no place to say why."""
    facts: RunFacts = field(default_factory=RunFacts)
    load_base: Callable[[Answers], BaseSource] = pinned_starter_pack
    """Where a tenant lacking the base chain gets it: the pinned starter pack, or in the demo its own base."""


Progress = Callable[[str], None]
T = TypeVar("T")


def key_identity(key: Key) -> str:
    """A key as the tenant shows it: its kid, or its validity where Graph gives no kid."""
    return key.kid or f"{key.nbf}-{key.exp}"


async def create_key_set(ctx: StepContext, step_id: str, name: str, progress: Progress) -> KeySet:
    """Creates the (empty) key set, its intent noted first (a run killed before Graph's answer is recorded finds
    the set and knows it made it), and records it as made the moment Graph answers."""
    progress(f"creating the key set {name}")
    ctx.intend(step_id, [KEY_SET_BEING_CREATED])
    key_set = await ctx.graph.create_key_set(name)
    ctx.ownership.made(step_id, ObjectKind.KEY_SET, key_set.id)
    return key_set


def key_set_proven(ctx: StepContext, step_id: str, key_set_id: str) -> bool:
    """Whether the tool can prove it made the key set, the only kind it puts keys into: the ledger records it as
    made, or, with no record of it, an interrupted run of the step noted its intent (to create the set, or to put
    its key in one the step could put keys into). A key set has no field for a mark."""
    entry = ctx.ownership.entry(ObjectKind.KEY_SET, key_set_id)
    if entry is not None:
        return entry.origin is Origin.MADE
    return ctx.intent_known(step_id) is not None


def state_elsewhere(ctx: StepContext) -> str:
    """The way on, for a refusal to change what no state proves the tool's, when no state on this machine records
    the tenant: the setup may have run elsewhere."""
    if not ctx.ownership.marks_prove:
        return ""
    return "; if asignio-setup made it from another machine or pipeline, point --state-dir at that state folder"


class Step(ABC, Generic[Found]):
    """One idempotent piece of the setup; `Found` is what its check hands its apply."""

    id: ClassVar[str]
    title: ClassVar[str]
    after: tuple[str, ...] = ()
    """Steps that must have finished first."""
    answer_sections: ClassVar[tuple[str, ...]] = ()
    """Answer sections the step depends on; the state records their fingerprint."""
    writes: ClassVar[bool] = True
    """False for steps that only read."""
    needs_secret: ClassVar[bool] = False
    """True when the step sends the Asignio Client Secret: the run then resolves it before writing anything."""
    outputs: ClassVar[tuple[str, ...]] = ()
    """The `RunFacts` the step finds for the steps after it: its own check or apply writes them, and no other code
    does (tests/test_house.py proves it)."""

    def __init__(self, after: tuple[str, ...] | None = None) -> None:
        if after is not None:
            self.after = after

    @abstractmethod
    async def check(self, ctx: StepContext) -> Finding[Found]:
        """Ask the tenant whether the step's work is there; change nothing."""

    async def apply(self, ctx: StepContext, finding: Finding[Found], progress: Progress) -> Finding[Found]:
        """Make the tenant hold what the answers ask for; returns what is there now."""
        return finding

    def describe(self, answers: Answers) -> str:
        """One line for the review screen: what the step will make."""
        return self.title


AnyStep: TypeAlias = "Step[Any]"
"""A step, whatever its check finds: what a plan and the runner hold (a check's finding goes only to its own step's
apply)."""


class GuidedStep(Step[None]):
    """A portal change no Graph API makes: the operator does it and confirms it."""

    writes = False
    voided_by: ClassVar[tuple[str, ...] | None] = None
    """The steps whose work, done anew, undoes what the operator did in the portal, so the confirmation is asked
    for again; None: every step this one is built on."""

    @abstractmethod
    def instructions(self, answers: Answers) -> tuple[str, ...]:
        """The exact clicks, in order."""

    def link(self, answers: Answers) -> str:
        """A deep link to the tenant's user flows in the Azure portal."""
        endpoints = ENDPOINTS[answers.tenant.cloud]
        return (
            f"{endpoints.portal}/#@{answers.tenant.domain}/blade/Microsoft_AAD_B2CAdmin/"
            "TenantManagementMenuBlade/userJourneys"
        )

    async def check(self, ctx: StepContext) -> Finding[None]:
        if ctx.confirmed(self.id):
            return Finding(True, "confirmed by the operator")
        return Finding(False, "waiting for the operator to do this in the Azure portal")


async def look_patiently(
    ctx: StepContext, step_id: str, what: str, look: Callable[[], Awaitable[T]], complete: Callable[[T], bool]
) -> T:
    """The step's look at the tenant. When an earlier run recently made (or was about to make) the work and Graph
    does not show it yet, look again until it does or a whole replication budget has passed: a re-run right after a
    run, or after a crash, never makes a second one of what is only not visible yet. A whole budget from now, not
    what is left of one since the claim: the earlier run's write may have come long after its intent (waiting for
    what it refers to to replicate) and hide for a budget from then."""
    found = await look()
    if not ctx.waits_for_claims or ctx.claim_age(step_id) is None or complete(found):
        return found

    latest = [found]

    async def again() -> tuple[T] | None:
        latest[0] = await look()
        return (latest[0],) if complete(latest[0]) else None

    await ctx.graph.eventually(f"{what} (made moments ago)", again)
    return latest[0]  # the last look, not the first: what showed meanwhile must not be made again
