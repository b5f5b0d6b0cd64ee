"""What an empty B2C tenant lacks before any custom policy works: the starter pack's policy keys.

The starter pack's base signs and encrypts its tokens with B2C_1A_TokenSigningKeyContainer (RSA, sig) and
B2C_1A_TokenEncryptionKeyContainer (RSA, enc), made with the portal's Generate option, which is Graph's
generateKey (trustframeworkkeyset-generatekey.md). Key sets only grow, so a set that holds its key never gets
another; one created by a run that stopped before its key (an empty set) gets it on the next run, and an empty
set the tool cannot prove it made stops the run (a key put in would stay in someone's set for good). The Social
packs' base also names B2C_1A_FacebookSecret: without it the base does not upload, so it gets a random uploaded
secret (oct, sig), never an RSA key, which would later block the operator's real Facebook secret (AADB2C95032).
"""

from __future__ import annotations

import secrets
from abc import abstractmethod
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from wizard import clock
from wizard.errors import TenantNotReadyError
from wizard.ownership import ObjectKind, Sighting
from wizard.starter_pack_pins import PACK_NAMES
from wizard.steps.base import (
    KEY_SET_BEING_CREATED,
    POLICY_KEY_LIFETIME_DAYS,
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
)

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.graph import Key, KeySet

GENERATED_KEY_TYPE = "RSA"


class StarterKeySet(Step["KeySet"]):
    """A starter-pack key set holding one key of one kind; the subclasses name the set, the kind and how it is made."""

    key_set: ClassVar[str]
    kty: ClassVar[str]
    use: ClassVar[str]
    purpose: ClassVar[str]
    after = ("preflight", "base-chain")

    async def check(self, ctx: StepContext) -> Finding[KeySet]:
        source = ctx.facts.base_source
        if source is None:
            return Finding(True, "the tenant's base chain is in place, so B2C holds the keys it names")
        if self.key_set.lower() not in {name.lower() for name in source.key_sets_referenced()}:
            base = f"the {source.pack_name} base" if source.pack_name in PACK_NAMES else source.pack_name
            return Finding(True, f"{base} names no {self.key_set}")
        known = ctx.intent_known(self.id)
        creating = known == (KEY_SET_BEING_CREATED,)
        found = await look_patiently(
            ctx,
            self.id,
            f"the key set {self.key_set}" + ("" if creating else " and its key"),
            lambda: ctx.graph.key_set(self.key_set),
            lambda key_set: key_set is not None and (creating or bool(key_set.keys)),
        )
        if found is None:
            return Finding(False, f"{self.key_set} does not exist yet")
        if not found.keys and not key_set_proven(ctx, self.id, found.id):
            # A key set only grows: the key put into someone's empty set would stay in it for good.
            raise TenantNotReadyError(
                f"The key set {found.id} holds no key, and asignio-setup cannot prove it made it (nothing on this "
                "machine records that asignio-setup made it): it puts keys only into key sets it made",
                f"delete the empty {found.id} in the Azure portal (Identity Experience Framework → Policy keys) so "
                f"the setup makes its own, then run again{state_elsewhere(ctx)}",
            )
        # After an intent to add the key (not to create the set), a key the set holds is the one that run added.
        added = tuple(key_identity(key) for key in found.keys) if known is not None and not creating else ()
        return replace(self._finding(found), seen=(Sighting(ObjectKind.KEY_SET, found.id, keys=added),))

    def _finding(self, found: KeySet) -> Finding[KeySet]:
        ids = {"key_set": found.id}
        if not found.keys:
            return Finding(False, f"{found.id} exists but holds no key yet", ids, found)
        foreign = [key for key in found.keys if not key.is_kind(self.kty, self.use)]
        if foreign:
            raise TenantNotReadyError(
                f"{found.id} holds a {foreign[0].kty} {foreign[0].use} key where the starter pack needs an "
                f"{self.kty.upper()} {self.use} key",
                f"delete {found.id} in the Azure portal (Identity Experience Framework → Policy keys), then run again",
            )
        return Finding(True, f"{found.id} holds its {self.purpose} key", ids, found)

    async def apply(self, ctx: StepContext, finding: Finding[KeySet], progress: Progress) -> Finding[KeySet]:
        key_set = finding.found
        if key_set is None:
            key_set = await create_key_set(ctx, self.id, self.key_set, progress)
        now = int(clock.now().timestamp())
        ctx.intend(self.id, ())  # a repeat waits for this key to show rather than add a second one
        key = await self._add_key(ctx, key_set.id, progress, nbf=now, exp=now + POLICY_KEY_LIFETIME_DAYS * 86400)
        ctx.ownership.key_added(self.id, key_set.id, key_identity(key))
        return Finding(True, f"{key_set.id} holds its {self.purpose} key", {"key_set": key_set.id})

    @abstractmethod
    async def _add_key(self, ctx: StepContext, key_set_id: str, progress: Progress, *, nbf: int, exp: int) -> Key:
        """Put the set's one key into it (not idempotent: the caller has noted its intent first)."""


class GeneratedKeySet(StarterKeySet):
    """A key set holding one RSA key B2C generated (the portal's Generate option)."""

    kty = GENERATED_KEY_TYPE

    def describe(self, answers: Answers) -> str:
        return f"Policy key {self.key_set} ({GENERATED_KEY_TYPE}, {self.purpose}, generated by B2C)"

    async def _add_key(self, ctx: StepContext, key_set_id: str, progress: Progress, *, nbf: int, exp: int) -> Key:
        progress(f"having B2C generate the {self.purpose} key in {key_set_id}")
        return await ctx.graph.generate_key(key_set_id, kty=self.kty, use=self.use, nbf=nbf, exp=exp)


class TokenSigningKeySet(GeneratedKeySet):
    """The key the base policy signs the tokens it issues with."""

    id = "token-signing-key"
    title = "Generate the token signing key"
    key_set = "B2C_1A_TokenSigningKeyContainer"
    use = "sig"
    purpose = "signing"


class TokenEncryptionKeySet(GeneratedKeySet):
    """The key the base policy encrypts its refresh tokens and session state with."""

    id = "token-encryption-key"
    title = "Generate the token encryption key"
    key_set = "B2C_1A_TokenEncryptionKeyContainer"
    use = "enc"
    purpose = "encryption"


class FacebookSecretKeySet(StarterKeySet):
    """The secret the Social packs' base names for Facebook: a random stand-in until the operator sets up Facebook."""

    id = "facebook-secret-key"
    title = "Store a stand-in Facebook secret"
    key_set = "B2C_1A_FacebookSecret"
    kty = UPLOADED_SECRET_KTY
    use = SIGNATURE_USE
    purpose = "stand-in Facebook secret"

    def describe(self, answers: Answers) -> str:
        return f"Policy key {self.key_set} (a random uploaded secret, so the starter pack's base uploads)"

    async def _add_key(self, ctx: StepContext, key_set_id: str, progress: Progress, *, nbf: int, exp: int) -> Key:
        progress(f"uploading a random stand-in secret into {key_set_id}")
        return await ctx.graph.upload_secret(key_set_id, secrets.token_urlsafe(32), use=self.use, nbf=nbf, exp=exp)
