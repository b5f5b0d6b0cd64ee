"""The wizard's typed draft of the answers, and its route through the screens (both in one place)."""

from __future__ import annotations

import pytest
from textual.screen import Screen

from screens.app import ROUTE, SCREEN_STYLESHEETS, AsignioSetupApp
from screens.draft import Draft
from wizard.answers import parse_answers
from wizard.errors import BadInputError

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso", "cloud": "usgov"},
        "auth": {"method": "client-secret", "client_id": "11112222-3333-4444-5555-666677778888"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "display_name": "Asignio (prod)"},
        "setup": {"pivot": "custom-policy", "mfa": "phone"},
        "custom_policy": {"relying_party": "B2C_1A_AsignioProd"},
    }
)


def test_a_resumed_runs_answers_come_back_whole_through_the_draft() -> None:
    draft = Draft.from_answers(ANSWERS)
    assert (draft.tenant_name, draft.cloud, draft.pivot, draft.mfa) == ("contoso", "usgov", "custom-policy", "phone")
    assert draft.answers() == ANSWERS


def test_signing_in_needs_only_the_tenant_while_the_setup_needs_every_answer() -> None:
    draft = Draft(tenant_name="contoso")
    assert draft.sign_in_answers().tenant.domain == "contoso.onmicrosoft.com"
    with pytest.raises(BadInputError) as missing:
        draft.answers()
    assert "setup.pivot: required but missing" in missing.value.what


def test_every_screen_on_the_route_is_a_screen_with_its_own_stylesheet() -> None:
    app = AsignioSetupApp()
    for name in ROUTE:
        current = type(name, (Screen,), {})()
        following = app.next_screen_type(current)
        assert issubclass(following, Screen) and following.__name__ in SCREEN_STYLESHEETS
    app.resuming = True
    assert app.next_screen_type(type("CredentialsScreen", (Screen,), {})()).__name__ == "ReviewScreen"
