"""The ordered steps for the chosen path, and the Run-now URL the finished plan leads to."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from wizard.answers import Answers, Mfa, Pivot
from wizard.clouds import b2clogin_host
from wizard.steps.base import AnyStep
from wizard.steps.custom_policy import BaseChain, ExtensionsPolicy, PolicyKey, RelyingPartyPolicy
from wizard.steps.external_id import external_id_steps, partner_redirect_uris
from wizard.steps.ief_apps import GraphServicePrincipal, IefAdminConsent, ief_app_steps
from wizard.steps.ief_apps import IdentityExperienceFrameworkApp as IefApp
from wizard.steps.ief_apps import IefConsentGrants as IefGrants
from wizard.steps.ief_apps import ProxyIdentityExperienceFrameworkApp as ProxyIefApp
from wizard.steps.jwt_ms_app import TestAppConsent, TestApplication
from wizard.steps.preflight import Preflight
from wizard.steps.prerequisites import FacebookSecretKeySet, TokenEncryptionKeySet, TokenSigningKeySet
from wizard.steps.starter_base import StarterPackBase
from wizard.steps.user_flow import AttachProvider, IdentityProvider, LocalAccountsOff, UserFlow, UserFlowPhoneMfa


@dataclass(frozen=True)
class Plan:
    """The steps the answers call for, in order, and where the finished setup is tried."""

    answers: Answers
    steps: tuple[AnyStep, ...]

    def run_now_url(self, app_id: str) -> str:
        """The test URL once the test app `app_id` exists and every step has finished."""
        return run_now_url(self.answers, app_id)

    def partner_redirect_uris(self, tenant_id: str | None) -> tuple[str, ...]:
        """The redirect URIs the operator registers at Asignio's partner site, where the path needs them printed
        (External ID: the tenant's federation endpoints); none elsewhere or while the tenant id is unknown."""
        if self.answers.setup.pivot is not Pivot.EXTERNAL_ID or tenant_id is None:
            return ()
        return partner_redirect_uris(self.answers, tenant_id)


def run_now_url(answers: Answers, app_id: str) -> str:
    """The 'Run now' URL the portal would open: sign in through the Asignio policy, land on jwt.ms."""
    if answers.setup.pivot is Pivot.EXTERNAL_ID:
        return external_id_test_url(answers, app_id)
    policy = answers.user_flow.name if answers.setup.pivot is Pivot.USER_FLOW else answers.custom_policy.relying_party
    host = b2clogin_host(answers.tenant.name, answers.tenant.cloud)
    query = urlencode(
        {
            "p": policy,
            "client_id": app_id,
            "nonce": "defaultNonce",
            "redirect_uri": answers.test_app.redirect_uri,
            "scope": "openid",
            "response_type": "id_token",
            "prompt": "login",
        }
    )
    return f"https://{host}/{answers.tenant.domain}/oauth2/v2.0/authorize?{query}"


def external_id_test_url(answers: Answers, app_id: str) -> str:
    """External ID's test sign-in: no policy parameter, the flow is the one the app is linked to, on the tenant's
    ciamlogin.com host (../shared/notes/external-id.md; the admin center's "Run user flow" builds the same)."""
    query = urlencode(
        {
            "client_id": app_id,
            "nonce": "defaultNonce",
            "redirect_uri": answers.test_app.redirect_uri,
            "scope": "openid",
            "response_type": "id_token",
            "prompt": "login",
        }
    )
    return f"https://{answers.tenant.name}.ciamlogin.com/{answers.tenant.domain}/oauth2/v2.0/authorize?{query}"


def build_plan(answers: Answers) -> Plan:
    """The ordered steps for the chosen path; every step's `after` names earlier steps only.

    On the custom-policy path the writing steps wait for the base check, which reads the tenant's chain or, when
    the tenant lacks it, loads the verified starter pack: a tampered pack is refused before anything is written.
    The prerequisite steps (key sets, the pack's base) then do only what the tenant lacks; on a tenant that has
    the chain they are done from what the base check saw, without a request of their own. So the base is uploaded
    last, once the keys, the apps and their consent are there: a run stopped after that upload left nothing undone.
    """
    if answers.setup.pivot is Pivot.EXTERNAL_ID:
        return Plan(answers, external_id_steps(answers))
    if answers.setup.pivot is Pivot.CUSTOM_POLICY:
        after_reads = ("preflight", "base-chain")
        key_sets = (TokenSigningKeySet(), TokenEncryptionKeySet(), FacebookSecretKeySet())
        ief_apps = ief_app_steps()
        custom_policy: tuple[AnyStep, ...] = (
            Preflight(),
            BaseChain(),
            *key_sets,
            *ief_apps,
            StarterPackBase(
                after=(
                    "base-chain",
                    *(step.id for step in key_sets),
                    IefApp.id,
                    ProxyIefApp.id,
                    IefGrants.id,
                    IefAdminConsent.id,
                )
            ),
            PolicyKey(after=after_reads),
            ExtensionsPolicy(),
            RelyingPartyPolicy(),
            TestApplication(after=(*after_reads, GraphServicePrincipal.id)),
            TestAppConsent(),
        )
        return Plan(answers, custom_policy)
    steps: list[AnyStep] = [Preflight(), IdentityProvider(), UserFlow(), AttachProvider(), LocalAccountsOff()]
    if answers.setup.mfa is Mfa.PHONE:
        steps.append(UserFlowPhoneMfa())
    # the test app's consent grant names Graph's service principal, which a young tenant may lack
    steps.append(GraphServicePrincipal(after=("preflight",)))
    steps.extend((TestApplication(after=("preflight", GraphServicePrincipal.id)), TestAppConsent()))
    return Plan(answers, tuple(steps))
