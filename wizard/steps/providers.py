"""Asignio's OpenID Connect provider on either platform (B2C's openIdConnectIdentityProvider, External ID's
oidcIdentityProvider): found by its display name, made once, brought up to date in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.ownership import ObjectKind, Sighting
from wizard.steps.base import Finding, Progress, StepContext, look_patiently

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


async def put_provider(
    ctx: StepContext, step_id: str, spec: ProviderSpec, finding: Finding, progress: Progress
) -> Finding:
    """Creates the provider the check did not find (its intent noted first: Graph picks the id, so a repeat must
    look rather than post again), or sends the wanted settings to the one it found."""
    if finding.found is None:
        progress(f"creating the provider {spec.display_name}")
        ctx.intend(step_id, ())
        provider = await ctx.graph.create_oidc_provider(spec, ctx.secret())
        ctx.ownership.made(step_id, ObjectKind.IDENTITY_PROVIDER, provider.id, app_id=spec.client_id)
        ctx.facts.provider = provider
        return Finding(True, f"{spec.display_name} created", {"provider": provider.id})
    progress(f"updating the provider {spec.display_name}")
    await ctx.graph.update_oidc_provider(finding.found.id, spec, ctx.secret())
    ctx.ownership.configured(ObjectKind.IDENTITY_PROVIDER, finding.found.id, app_id=spec.client_id)
    return Finding(True, f"{spec.display_name} updated", {"provider": finding.found.id})


def provider_sightings(providers: list[IdentityProvider]) -> tuple[Sighting, ...]:
    """Providers for the ledger: no mark exists for them, so only the step's intent makes one the tool's."""
    return tuple(Sighting(ObjectKind.IDENTITY_PROVIDER, provider.id) for provider in providers if provider.id)
