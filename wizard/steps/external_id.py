"""The Entra External ID path: the steps for an external tenant (tenantType CIAM), in one place to extend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.errors import BadInputError

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.steps.base import Step


def external_id_steps(answers: Answers) -> tuple[Step, ...]:
    """The ordered steps for an external tenant. Its provider, flow and test-app steps are not written yet, so the
    path refuses to start rather than report a setup it did not make."""
    raise BadInputError(
        f"The external-id path for {answers.tenant.domain} cannot run yet: its provider, flow and test app steps "
        "are not written",
        "use pivot user-flow or custom-policy in an Azure AD B2C tenant for now",
    )
