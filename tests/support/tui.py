"""What the Textual tests share: waiting for the app to settle, the wizard at a given screen, every screen, a run's
result as the Done screen gets it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from screens.app import DEMO_CLIENT_ID, AsignioSetupApp
from screens.ask import AskScreen
from screens.credentials import CredentialsScreen
from screens.device_code import DeviceCodeScreen
from screens.done import DoneScreen
from screens.draft import Draft
from screens.error import ErrorScreen
from screens.help import HelpScreen
from screens.mfa import MfaScreen
from screens.overwrite import OverwriteScreen
from screens.path import PathScreen
from screens.progress import ProgressScreen
from screens.removal import RemovalScreen
from screens.review import ReviewScreen
from screens.tenant import TenantScreen
from screens.welcome import WelcomeScreen
from tests.support.headless import SECRET
from wizard.demo import DemoOptions
from wizard.events import RunFinished
from wizard.graph import GraphClient
from wizard.session import SignedInTenant, sign_in
from wizard.simulator import SimulatorServer

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TENANT_ID = "8f6a7d3e-1b2c-4d5e-9f01-23456789abcd"
"""The id (organization.id) of the tenant the tests' wizard is signed in to."""
PORTAL_STEPS = ["local-accounts-off", "user-flow-mfa"]
"""The portal steps a user-flow setup with phone MFA waits for."""
SCREENS: list[type[Screen[Any]]] = [
    WelcomeScreen,
    TenantScreen,
    DeviceCodeScreen,
    CredentialsScreen,
    PathScreen,
    MfaScreen,
    ReviewScreen,
    ProgressScreen,
    DoneScreen,
    OverwriteScreen,
    ErrorScreen,
    RemovalScreen,
    HelpScreen,
    AskScreen,
]
"""Every screen of the wizard."""
URL = "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?p=B2C_1_AsignioSignupSignin"
RESULT = RunFinished(URL, ("Asignio identity provider", "user flow B2C_1_AsignioSignupSignin", "test app"))
EXTERNAL_ID_URL = (
    "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    "?client_id=aaaabbbb-0000-cccc-1111-dddd2222eeee&redirect_uri=https%3A%2F%2Fjwt.ms&response_type=id_token"
)
REDIRECT_URIS = (
    "https://contoso.ciamlogin.com/8f6a7d3e-1b2c-4d5e-9f01-23456789abcd/federation/oauth2",
    "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/federation/oauth2",
)
EXTERNAL_ID_RESULT = RunFinished(
    EXTERNAL_ID_URL,
    ("Asignio OpenID Connect provider", "user flow Asignio sign-up and sign-in", "test app", "test app in the flow"),
    partner_redirect_uris=REDIRECT_URIS,
)


class SnapCompare(Protocol):
    """pytest-textual-snapshot's `snap_compare` fixture as it is called (the plugin's own annotation names only its
    first parameter): whether `app`, after the key presses and `run_before`, looks as its saved SVG does."""

    def __call__(
        self,
        app: App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[int]], Awaitable[object] | None] | None = None,
    ) -> bool: ...


def finished_app(*, verify: bool = False) -> AsignioSetupApp:
    """The app after a run; its Done screen probes the sign-in only with `verify` (the probes' tests point it at
    stand-in hosts)."""
    app = AsignioSetupApp(verify=verify, verify_timeout=0)
    app.draft = Draft(
        tenant_name="contoso",
        sign_in_method="device-code",
        client_id="00001111-aaaa-2222-bbbb-3333cccc4444",
        pivot="user-flow",
        mfa="phone",
    )
    return app


async def settle(pilot: Pilot[int]) -> None:
    """Every worker ended, however (a failed or superseded one is what some tests want), and the screens caught up;
    repeated because a worker's message can start the next worker."""
    for _ in range(3):
        with contextlib.suppress(WorkerFailed, WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def fail_with(error: BaseException) -> None:
    """A worker that fails with `error`."""
    raise error


def app_confirmed_at_review(
    simulator: SimulatorServer, pivot: str = "user-flow", *, lag_budget: float | None = None
) -> AsignioSetupApp:
    """The wizard as the review screen leaves it after Confirm: signed in, every answer given, phone MFA on.
    `lag_budget`: how long its Graph client waits for what may not show yet (None: the default)."""
    app = AsignioSetupApp(demo=DemoOptions())
    assert app.demo is not None
    app.demo.server = simulator
    app.draft.client_id = DEMO_CLIENT_ID
    app.draft.pivot, app.draft.mfa = pivot, "phone"
    app.keep_typed_secret(SECRET)
    answers = app.final_answers()
    app.signed_in = sign_in(answers.tenant, answers.auth, demo=simulator)
    if lag_budget is not None:
        graph = GraphClient(
            simulator.credential, graph_url=simulator.graph_root + "/beta", scopes=[GRAPH_SCOPE], lag_budget=lag_budget
        )
        app.signed_in = SignedInTenant(answers.tenant, answers.auth, graph, demo=True)
    app.session = app.signed_in.session_for(answers, secret=SECRET)
    return app


async def confirm_the_review(pilot: Pilot[int]) -> None:
    """The plan as the review screen gets it from the core; its Confirm (Enter) opens the progress screen."""
    pilot.app.call_later(
        pilot.app.push_screen, ReviewScreen()
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await settle(pilot)
    await pilot.press("enter")
    assert any(isinstance(screen, ProgressScreen) for screen in pilot.app.screen_stack)


async def open_progress(pilot: Pilot[int]) -> None:
    """The progress screen once its first run ended."""
    await confirm_the_review(pilot)
    await settle(pilot)
