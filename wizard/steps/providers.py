"""Asignio's OpenID Connect provider on either platform (B2C's openIdConnectIdentityProvider, External ID's
oidcIdentityProvider): found by its display name, made once, brought up to date in place while the tool can prove it
made it.

A provider carries no mark (identityprovider.md has no field for one) and Graph picks its id, so only the ledger, or
the intent an interrupted create noted, proves a provider the tool's. Another provider of the answers' display name
with the settings the answers ask is used as it is (offering it in the tool's flow changes nothing of it); one that
would need changing (other settings, a new Client Secret) stops the run: it is someone's sign-in."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, NoReturn

from wizard.errors import TenantNotReadyError
from wizard.ownership import ObjectKind, Origin, Sighting
from wizard.steps.base import Finding, Progress, Step, StepContext, look_patiently, state_elsewhere

if TYPE_CHECKING:
    from wizard.graph import IdentityProvider
    from wizard.graph.identity import ProviderSpec


async def providers_named(ctx: StepContext, step_id: str, display_name: str) -> list[IdentityProvider]:
    """The tenant's providers of that name; patient while a recent run's provider does not show yet."""
    return await look_patiently(
        ctx,
        step_id,
        f"the provider {display_name}",
        lambda: ctx.graph.identity_providers_named(display_name),
        bool,
    )


def provider_proven(ctx: StepContext, step_id: str, provider: IdentityProvider) -> bool:
    """Whether the tool can prove it made the provider: the ledger records it as made, or, with no record of it, an
    interrupted run of the step noted its intent to create one (a run killed before Graph's answer was recorded).
    With no state on this machine nothing proves it: a provider has no field for the tool's mark."""
    entry = ctx.ownership.entry(ObjectKind.IDENTITY_PROVIDER, provider.id)
    if entry is not None:
        return entry.origin is Origin.MADE
    return ctx.intent_known(step_id) is not None


def ours_first(ctx: StepContext, step_id: str, named: list[IdentityProvider]) -> list[IdentityProvider]:
    """The providers of the answers' name, one the tool can prove it made first."""
    return sorted(named, key=lambda provider: not provider_proven(ctx, step_id, provider))


def provider_change(differences: list[str]) -> str:
    """What the setup would change in a provider: the settings that differ, else the new Client Secret."""
    if differences:
        return f"has other settings than the answers ask ({', '.join(differences)})"
    return "would get the new Client Secret (--rotate-secret)"


def refuse_to_change(ctx: StepContext, provider: IdentityProvider, why: str) -> NoReturn:
    """Stop the run rather than change a provider the tool cannot prove it made (exit 5), saying how to go on."""
    raise TenantNotReadyError(
        f"The identity provider {provider.display_name} ({provider.id}) {why}, and asignio-setup cannot prove it "
        "made it (nothing on this machine records that asignio-setup made it): it changes only what it made",
        "rename or delete that provider in the Azure portal (Identity providers) if it is no longer used, or set "
        f"[asignio] display_name to a name no other provider uses, then run again{state_elsewhere(ctx)}",
    )


class ProviderStep(Step["IdentityProvider"]):
    """The step that finds or makes Asignio's provider on its path (B2C's user-flow path, External ID's): the one
    writer of `RunFacts.provider`, which the user-flow steps after it offer."""

    outputs = ("provider",)

    @abstractmethod
    def wanted(self, ctx: StepContext) -> ProviderSpec:
        """The provider as the answers ask for it."""

    def found(self, ctx: StepContext, provider: IdentityProvider) -> None:
        """Hand the provider the step found or made to the steps after it."""
        ctx.facts.provider = provider

    async def apply(
        self, ctx: StepContext, finding: Finding[IdentityProvider], progress: Progress
    ) -> Finding[IdentityProvider]:
        """Creates the provider the check did not find (its intent noted first: Graph picks the id, so a repeat must
        look rather than post again), or sends the wanted settings to the one it found (the check found it the
        tool's: `provider_proven`)."""
        spec = self.wanted(ctx)
        if finding.found is None:
            progress(f"creating the provider {spec.display_name}")
            ctx.intend(self.id, ())
            provider = await ctx.graph.create_oidc_provider(spec, ctx.secret())
            ctx.ownership.made(self.id, ObjectKind.IDENTITY_PROVIDER, provider.id, app_id=spec.client_id)
            self.found(ctx, provider)
            return Finding(True, f"the identity provider {spec.display_name} created", {"provider": provider.id})
        progress(f"updating the provider {spec.display_name}")
        await ctx.graph.update_oidc_provider(finding.found.id, spec, ctx.secret())
        ctx.ownership.configured(ObjectKind.IDENTITY_PROVIDER, finding.found.id, app_id=spec.client_id)
        return Finding(True, f"the identity provider {spec.display_name} updated", {"provider": finding.found.id})


def provider_sightings(providers: list[IdentityProvider]) -> tuple[Sighting, ...]:
    """Providers for the ledger: no mark exists for them, so only the step's intent makes one the tool's."""
    return tuple(Sighting(ObjectKind.IDENTITY_PROVIDER, provider.id) for provider in providers if provider.id)
