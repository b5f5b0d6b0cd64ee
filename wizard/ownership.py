"""What the tool made in a tenant, proven by id: the ownership ledger kept in the state, and the marks it leaves.

Terraform's rule: the tool manages what its state says it created, by the id Graph gave it, and never adopts or
deletes an object because it has the expected name. Every create records its object here the moment Graph's answer
arrives (saved at once). A create Graph cannot be asked about afterwards is preceded by an intent in the state: a
later run that finds what the interrupted one was making records it as made, never as "was there before". An
object a run finds that the tool neither made nor intended is recorded as found, and nothing ever deletes it.

Where Graph has a field for it the tenant carries a mark too, so ownership survives a lost state: applications and
service principals the tool creates carry the tag `asignio-setup` (application.md, serviceprincipal.md: `tags`,
"custom strings that can be used to categorize and identify"), and every policy it uploads carries an XML comment
(wizard.policies.mark). Key sets, providers, user flows and consent grants have no such field: for them the ledger
is the only proof.

The marks prove only where this machine knows nothing of the tenant (no state file): once a state records the
tenant (even after a remove), only its ledger proves, so a tag copied onto someone's app or a policy put back from
the backups (its comment still holding) is never taken for the tool's. What survives that rule is what proves
itself: an app upserted under the tool's own `uniqueName` (immutable, application.md), the tagged service principal
of an app the ledger records as made, and what an intent noted in the state named before the create.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from wizard import clock

OWNER_TAG = "asignio-setup"
"""The tag on every application and service principal the tool creates."""


class ObjectKind(StrEnum):
    """The kinds of object the tool creates in a tenant."""

    APPLICATION = "application"
    SERVICE_PRINCIPAL = "service principal"
    KEY_SET = "key set"
    POLICY = "policy"
    IDENTITY_PROVIDER = "identity provider"
    USER_FLOW = "user flow"
    CONSENT_GRANT = "consent grant"
    CONDITIONAL_ACCESS_POLICY = "conditional access policy"


CASE_INSENSITIVE_IDS = frozenset({ObjectKind.KEY_SET, ObjectKind.POLICY, ObjectKind.USER_FLOW})
"""B2C compares these ids without case (a key set, policy or user flow is named by its id)."""


class Origin(StrEnum):
    MADE = "made"
    """The tool created it: a remove may delete it."""
    FOUND = "found"
    """It was in the tenant when the tool first looked: nothing deletes it."""


def _now() -> datetime:
    return clock.now()


class MergedPieces(BaseModel):
    """What the tool merged into an extensions policy (the Asignio claims provider, journeys and MFA pieces), so a
    remove takes those pieces out whatever the answers file says by then."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    journeys: list[str]
    """Every user journey id the tool merged ([custom_policy] journey_id), oldest first."""
    display_name: str
    """The Asignio provider's display name of the latest merge ([asignio] display_name)."""
    client_id: str
    """Its client id of the latest merge ([asignio] client_id)."""
    policy_key: str
    """The key set its secret names in the latest merge ([custom_policy] policy_key)."""
    mfa: bool
    """One of the merges added the phone-MFA pieces ([setup] mfa = "phone")."""


class LedgerEntry(BaseModel):
    """One object of the tenant as the tool knows it: made by the tool, or found there."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    kind: ObjectKind
    """What it is."""
    id: str
    """The id Graph gave it: an application's or service principal's object id, a key set's, policy's or user
    flow's id, an identity provider's, consent grant's or Conditional Access policy's id."""
    origin: Origin
    """Whether the tool made it or found it."""
    step: str
    """The setup step that made it or first found it."""
    app_id: str | None = None
    """Applications and service principals: the appId (client id); identity providers the tool made: the client
    id it last gave them."""
    kids: list[str] | None = None
    """Key sets: each key the tool put in (its kid, or its validity where Graph gives no kid); None for a key set
    an earlier state format recorded without them."""
    sha256: str | None = None
    """Policies: SHA-256 of the exact bytes the tool last uploaded (None: it never uploaded into the policy)."""
    canonical_sha256: str | None = None
    """Policies: SHA-256 of that upload's canonical form (wizard.policies.mark), which holds however B2C
    re-serialises the policy (a BOM, line endings, indentation)."""
    original: str | None = None
    """Policies someone else put there that the tool replaced or changed: the backup file holding what the policy
    held just before the tool's first upload into it, the version a remove gives back (None: the tool made it, or
    has not uploaded into it since it last gave it back)."""
    merged: MergedPieces | None = None
    """Extensions policies: the Asignio pieces the tool merged into it and has not taken out since."""
    settings: dict[str, str] | None = None
    """User flows: the properties Graph gave the flow the tool made (type, version, language settings). Graph keeps
    no mark or creation time on a flow, and a flow's id is its name, so these and `offers` are what tell the tool's
    flow from one deleted and made again by hand under the same name (None: not known, say after an interrupted
    create)."""
    offers: list[str] | None = None
    """User flows: the identity providers the tool offered in the flow it made (their ids)."""
    recorded_at: datetime = Field(default_factory=_now)
    """When the tool first recorded it."""

    def names(self, kind: ObjectKind, object_id: str) -> bool:
        """Whether this entry is the object `object_id` of that kind."""
        if kind is not self.kind:
            return False
        return self.id.lower() == object_id.lower() if kind in CASE_INSENSITIVE_IDS else self.id == object_id


@dataclass(frozen=True)
class Sighting:
    """An object a step's check saw in the tenant (the runner records it in the ledger when the step runs)."""

    kind: ObjectKind
    id: str
    app_id: str | None = None
    marked: bool = False
    """It carries the tool's mark (the tag; a policy comment that says the tool made it and still holds), which
    proves it the tool's only where no state records the tenant (`Ledger.marks_prove`)."""
    proven: bool = False
    """It proves itself the tool's whatever the state: an app upserted under the tool's own uniqueName, the tagged
    service principal of an app the ledger records as made, a policy an intent named whose comment holds."""
    keys: tuple[str, ...] = ()
    """Key sets: keys an interrupted run of the step put in (those the tenant did not hold at its intent)."""
    content: bytes | None = None
    """Policies whose mark still holds: what the tenant holds, which the tool uploaded (the ledger's hash follows
    when the ledger's own record, an intent or, with no state, the mark vouches for it: see `Ledger.seen`)."""


def policy_hashes(content: bytes) -> tuple[str, str | None]:
    """(SHA-256 of the exact bytes, SHA-256 of the canonical form or None when the policy does not parse)."""
    from wizard.policies import canonical_digest  # the policy engine (lxml) loads with the first policy, not the state

    return hashlib.sha256(content).hexdigest(), canonical_digest(content)


def holds_upload(entry: LedgerEntry, content: bytes) -> bool:
    """Whether the tenant's `content` is exactly what the tool last uploaded into the policy `entry` records."""
    if entry.sha256 is None:
        return False
    exact, canonical = policy_hashes(content)
    return exact == entry.sha256 or (canonical is not None and canonical == entry.canonical_sha256)


class Ledger:
    """The StepContext's view of the state's ledger: steps read it and add to it, never the store; every change is
    saved at once, so an object recorded here survives a kill -9 right after."""

    def __init__(
        self,
        entries: Callable[[], list[LedgerEntry]] | None = None,
        save: Callable[[], None] = lambda: None,
        recorded: Callable[[], bool] = lambda: False,
    ) -> None:
        held: list[LedgerEntry] = []
        self._entries = entries or (lambda: held)
        self._save = save
        self._recorded = recorded

    @property
    def marks_prove(self) -> bool:
        """No state on this machine records the tenant (the run began with no state file): then, and only then, the
        tenant's marks (tags, a policy comment that holds) prove an object the tool's. Once a state records it, its
        ledger names every object the tool made, and what it does not name the tool did not make."""
        return not self._recorded()

    def entry(self, kind: ObjectKind, object_id: str) -> LedgerEntry | None:
        return next((entry for entry in self._entries() if entry.names(kind, object_id)), None)

    def entries(self, kind: ObjectKind, origin: Origin | None = None) -> list[LedgerEntry]:
        return [entry for entry in self._entries() if entry.kind is kind and origin in (None, entry.origin)]

    def made(
        self,
        step_id: str,
        kind: ObjectKind,
        object_id: str,
        *,
        app_id: str | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        """The tool created this object (Graph's answer just arrived): recorded as made, whatever stood before."""
        self._replace(
            LedgerEntry(
                kind=kind,
                id=object_id,
                origin=Origin.MADE,
                step=step_id,
                app_id=app_id,
                kids=[] if kind is ObjectKind.KEY_SET else None,
                settings=settings,
            )
        )

    def configured(self, kind: ObjectKind, object_id: str, *, app_id: str) -> None:
        """The tool gave an object it made a new client id (a provider brought up to date with the answers)."""
        entry = self.entry(kind, object_id)
        if entry is not None and entry.origin is Origin.MADE and entry.app_id != app_id:
            entry.app_id = app_id
            self._save()

    def offered(self, flow_id: str, provider_id: str) -> None:
        """The tool offered the provider in the user flow (recorded for a flow the tool made)."""
        entry = self.entry(ObjectKind.USER_FLOW, flow_id)
        if entry is not None and entry.origin is Origin.MADE and provider_id not in (entry.offers or []):
            entry.offers = [*(entry.offers or []), provider_id]
            self._save()

    def key_added(self, step_id: str, key_set_id: str, key: str) -> None:
        """The tool put the key `key` into the key set (made or found)."""
        entry = self.entry(ObjectKind.KEY_SET, key_set_id)
        if entry is None:
            entry = LedgerEntry(kind=ObjectKind.KEY_SET, id=key_set_id, origin=Origin.FOUND, step=step_id, kids=[])
            self._entries().append(entry)
        if entry.kids is not None and key not in entry.kids:
            entry.kids.append(key)
        self._save()

    def replacing(self, step_id: str, policy_id: str, current: bytes, backup: str) -> None:
        """The tool is about to upload over the tenant's `current` copy of the policy, backed up in `backup`: when
        that copy is not the tool's own upload (the tool never uploaded into the policy, gave it back since, or
        someone replaced its upload with a policy of their own, which carries no asignio-setup comment), this is the
        tool's first upload into someone else's policy: recorded as found, with `backup` as what a remove gives
        back. Saved before the upload, so a run killed right after it still knows what to give back."""
        from wizard.policies import read_mark  # the policy engine (lxml) loads with the first policy, not the state

        entry = self.entry(ObjectKind.POLICY, policy_id)
        if entry is None:
            entry = LedgerEntry(kind=ObjectKind.POLICY, id=policy_id, origin=Origin.FOUND, step=step_id)
            self._entries().append(entry)
        elif entry.origin is Origin.MADE and entry.sha256 is None:
            return  # made by a state format that kept no hash: still the tool's
        elif entry.sha256 is not None and (holds_upload(entry, current) or read_mark(current) is not None):
            return  # the tool's upload, edited or not: what it gives back stays the one from before its first
        entry.origin = Origin.FOUND
        entry.original = backup
        entry.sha256 = entry.canonical_sha256 = entry.merged = None
        self._save()

    def uploaded(self, step_id: str, policy_id: str, content: bytes, *, created: bool) -> None:
        """The tool uploaded `content` as the policy: `created` when the tenant had no such policy before (else
        `replacing` recorded what it replaced)."""
        entry = self.entry(ObjectKind.POLICY, policy_id)
        if entry is None or (created and entry.origin is Origin.FOUND):
            entry = LedgerEntry(
                kind=ObjectKind.POLICY, id=policy_id, origin=Origin.MADE if created else Origin.FOUND, step=step_id
            )
            self._replace(entry, save=False)
        entry.sha256, entry.canonical_sha256 = policy_hashes(content)
        self._save()

    def merging(self, policy_id: str, pieces: MergedPieces | None) -> None:
        """What the Asignio pieces in the policy are now (None: taken out), recorded before the upload that makes
        it so: a record of pieces the upload then did not bring only makes a remove look for them in vain."""
        entry = self.entry(ObjectKind.POLICY, policy_id)
        if entry is not None and entry.merged != pieces:
            entry.merged = pieces
            self._save()

    def given_back(self, policy_id: str) -> None:
        """The policy holds again what it held before the tool first uploaded into it: nothing of the tool's."""
        entry = self.entry(ObjectKind.POLICY, policy_id)
        if entry is not None:
            entry.sha256 = entry.canonical_sha256 = entry.original = entry.merged = None
            self._save()

    def gone(self, kind: ObjectKind, object_id: str) -> None:
        """The object is no longer in the tenant (the tool deleted it, or found it gone)."""
        entries = self._entries()
        kept = [entry for entry in entries if not entry.names(kind, object_id)]
        if len(kept) != len(entries):
            entries[:] = kept
            self._save()

    def seen(self, step_id: str, sightings: tuple[Sighting, ...], *, intended: bool) -> None:
        """What a step's check saw: an object the ledger has keeps its origin (a key an interrupted run put in
        updates it, and so does a policy whose comment holds with the same origin, the tool's upload a run killed
        before its record left); a new one is made when it proves itself, when the step had noted its intent to
        make it (an interrupted run made it), or, with no state on this machine, when it carries the tool's mark;
        else found. Saved when anything changed."""
        changed = False
        for sighting in sightings:
            entry = self.entry(sighting.kind, sighting.id)
            known = entry is not None
            if entry is None:
                made = self._proves_made(sighting, intended=intended)
                entry = LedgerEntry(
                    kind=sighting.kind,
                    id=sighting.id,
                    origin=Origin.MADE if made else Origin.FOUND,
                    step=step_id,
                    app_id=sighting.app_id,
                    kids=[] if sighting.kind is ObjectKind.KEY_SET else None,
                )
                self._entries().append(entry)
                changed = True
            new_keys = [key for key in sighting.keys if entry.kids is not None and key not in entry.kids]
            if new_keys and entry.kids is not None:
                entry.kids.extend(new_keys)
                changed = True
            if self._takes_content(entry, sighting, known=known):
                assert sighting.content is not None
                entry.sha256, entry.canonical_sha256 = policy_hashes(sighting.content)
                changed = True
        if changed:
            self._save()

    def _proves_made(self, sighting: Sighting, *, intended: bool) -> bool:
        """Whether an object the ledger does not know is the tool's. A policy is made only by a comment saying so
        (which the tool's upload carries), vouched for by an intent or, with no state, by itself."""
        if sighting.kind is ObjectKind.POLICY:
            return sighting.marked and (sighting.proven or intended or self.marks_prove)
        return sighting.proven or intended or (sighting.marked and self.marks_prove)

    def _takes_content(self, entry: LedgerEntry, sighting: Sighting, *, known: bool) -> bool:
        """Whether a policy's holding comment makes what the tenant holds the tool's upload in the ledger: its origin
        must be the entry's, and the ledger (an upload of the tool's recorded, or the backup taken just before one),
        an intent, or, with no state, the mark itself must vouch for it."""
        if sighting.content is None or holds_upload(entry, sighting.content):
            return False
        if sighting.marked != (entry.origin is Origin.MADE):
            return False
        if known:
            return entry.sha256 is not None or entry.original is not None or sighting.proven
        return sighting.proven or self.marks_prove

    def _replace(self, entry: LedgerEntry, *, save: bool = True) -> None:
        entries = self._entries()
        entries[:] = [held for held in entries if not held.names(entry.kind, entry.id)]
        entries.append(entry)
        if save:
            self._save()
