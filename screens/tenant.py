"""Tenant and sign-in: which tenant, which cloud, how to sign in; then who is signed in, or why not."""

from __future__ import annotations

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Select, Static

from screens.base import WizardStep
from screens.device_code import DeviceCodeScreen
from screens.messages import DeviceCodeIssued, SignedIn, WorkFailed, WorkGroup
from wizard import clock
from wizard.answers import SignInMethod, TenantAnswers
from wizard.clouds import ENDPOINTS, Cloud
from wizard.errors import SetupError

CLOUD_CHOICES = [
    ("Azure (global)", Cloud.GLOBAL.value),
    ("Azure US Government", Cloud.US_GOVERNMENT.value),
    ("Azure China (21Vianet)", Cloud.CHINA.value),
]
SIGN_IN_CHOICES = [
    ("Device code: enter a code in any browser", SignInMethod.DEVICE_CODE.value),
    ("Browser on this machine", SignInMethod.BROWSER.value),
    ("Azure CLI (the account of az login)", SignInMethod.AZURE_CLI.value),
    ("Access token in ASIGNIO_SETUP_ACCESS_TOKEN", SignInMethod.ACCESS_TOKEN.value),
]


CLIENT_SECRET_CHOICE = ("Client secret of the app in the answers", SignInMethod.CLIENT_SECRET.value)


def sign_in_choices(current: str) -> list[tuple[str, str]]:
    """The wizard offers the interactive methods; a resumed or loaded setup that signs in with an app's client
    secret keeps that method (its app and secret come from the answers and the environment or keyring)."""
    if current == SignInMethod.CLIENT_SECRET.value:
        return [*SIGN_IN_CHOICES, CLIENT_SECRET_CHOICE]
    return SIGN_IN_CHOICES


class TenantName(Validator):
    """The answers model's own rule for a tenant name, checked as the operator types (spaces around it ignored, as
    the model ignores them)."""

    def validate(self, value: str) -> ValidationResult:
        try:
            TenantAnswers(name=value.strip())
        except ValidationError as error:
            problem = error.errors()[0]
            return self.failure(str(problem.get("ctx", {}).get("error", problem["msg"])))
        return self.success()


class TenantScreen(WizardStep):
    """Asks for the tenant, signs in, and shows the account and tenant, or what stops the setup there."""

    CSS_PATH = "tenant.tcss"
    HELP_TITLE = "Tenant and sign-in"
    HELP = (
        "Type the tenant's name (contoso, or contoso.onmicrosoft.com), pick its cloud and how to sign in, then Sign "
        "in (Enter in the name does it too). The wizard says who signed in to which tenant, or what stops the setup "
        "there; nothing is written to the tenant on this screen. Next goes on once signed in."
    )

    def __init__(self) -> None:
        super().__init__()
        self.device_code_screen: DeviceCodeScreen | None = None
        self.sign_in_timer: Timer | None = None
        self.sign_in_started = 0.0
        self.sign_in_said = ""

    def compose_body(self) -> ComposeResult:
        draft = self.wizard.draft
        method = draft.sign_in_method or SignInMethod.DEVICE_CODE.value
        yield Static("Your Azure AD B2C or External ID tenant", classes="title")
        yield Static("Tenant name", classes="label")
        yield Input(
            draft.tenant_name,
            placeholder="contoso or contoso.onmicrosoft.com",
            validators=[TenantName()],
            id="tenant-name",
            compact=True,
        )
        yield Static("", id="tenant-hint", classes="hint")
        yield Static("Cloud", classes="label")
        yield Select(CLOUD_CHOICES, value=draft.cloud, allow_blank=False, id="cloud", compact=True)
        yield Static("Sign in with", classes="label")
        yield Select(sign_in_choices(method), value=method, allow_blank=False, id="method", compact=True)
        if self.wizard.demo:
            yield Static("Demo: the simulated tenant signs you in whichever method you pick.", classes="hint")
        yield Static("", id="sign-in-status", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Sign in", id="sign-in", variant="primary")
        yield Button("Next", id="next", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.show_tenant_hint(self.query_one("#tenant-name", Input).validate(self.tenant_name))
        if self.wizard.identity is not None:
            self.show_signed_in()
        self.query_one("#tenant-name", Input).focus()

    @property
    def tenant_name(self) -> str:
        """The name as typed, without the spaces around it."""
        return self.query_one("#tenant-name", Input).value.strip()

    @on(Input.Changed, "#tenant-name")
    def tenant_name_changed(self) -> None:
        """Checks the field's value now, not the event's: keys that arrive together (a paste, typing over SSH) change
        the value again before this event is handled, and its validation result is of an older value."""
        name_input = self.query_one("#tenant-name", Input)
        self.show_tenant_hint(name_input.validate(name_input.value))
        self.forget_sign_in()

    @on(Select.Changed)
    def choice_changed(self) -> None:
        self.forget_sign_in()

    def show_tenant_hint(self, result: ValidationResult | None) -> None:
        hint = self.query_one("#tenant-hint", Static)
        if not self.tenant_name:
            hint.update("The name before .onmicrosoft.com, as in the portal's Overview page.")
            hint.set_class(False, "problem")
        elif result is not None and not result.is_valid:
            hint.update(result.failure_descriptions[0])
            hint.set_class(True, "problem")
        else:
            hint.update(f"→ {TenantAnswers(name=self.tenant_name).domain}")
            hint.set_class(False, "problem")

    def forget_sign_in(self) -> None:
        """A changed tenant, cloud or method needs a new sign-in."""
        if self.wizard.identity is None:
            return
        self.wizard.identity = None
        self.query_one("#next", Button).disabled = True
        self.query_one("#sign-in-status", Static).update("Sign in again for the changed choice.")

    @on(Input.Submitted, "#tenant-name")
    @on(Button.Pressed, "#sign-in")
    def sign_in(self) -> None:
        """Sign in with the choices made; a second Enter while a sign-in runs is ignored, not a restart."""
        if any(worker.group == WorkGroup.SIGN_IN and not worker.is_finished for worker in self.app.workers):
            return
        name_input = self.query_one("#tenant-name", Input)
        validation = name_input.validate(self.tenant_name)
        if (validation is not None and not validation.is_valid) or not self.tenant_name:
            self.show_tenant_hint(validation)
            name_input.focus()
            return
        draft = self.wizard.draft
        draft.tenant_name = TenantAnswers(name=self.tenant_name).name
        draft.cloud = str(self.query_one("#cloud", Select).value)
        draft.sign_in_method = str(self.query_one("#method", Select).value)
        status = self.query_one("#sign-in-status", Static)
        host = "the simulated tenant" if self.wizard.demo else ENDPOINTS[Cloud(draft.cloud)].authority_host
        self.sign_in_said = f"Signing in to {TenantAnswers(name=self.tenant_name).domain} through {host}…"
        status.set_classes("")
        self.sign_in_started = clock.monotonic()
        self.show_sign_in_progress()
        self.stop_sign_in_progress()
        self.sign_in_timer = self.set_interval(1, self.show_sign_in_progress)
        self.query_one("#sign-in", Button).disabled = True
        self.wizard.sign_in(self)

    def show_sign_in_progress(self) -> None:
        """The seconds the sign-in has taken so far: a sign-in that cannot reach its host takes a while to fail. Read
        on the tool's clock, which the sign-in's own waits use too (real time outside the tests)."""
        seconds = int(clock.monotonic() - self.sign_in_started)
        self.query_one("#sign-in-status", Static).update(f"{self.sign_in_said} {seconds} s")

    def stop_sign_in_progress(self) -> None:
        if self.sign_in_timer is not None:
            self.sign_in_timer.stop()
            self.sign_in_timer = None

    def on_device_code_issued(self, message: DeviceCodeIssued) -> None:
        self.device_code_screen = DeviceCodeScreen(message.url, message.code, message.expires_on)
        self.app.push_screen(self.device_code_screen, self.device_code_closed)

    def device_code_closed(self, signed_in: bool | None) -> None:
        self.device_code_screen = None
        if not signed_in and self.wizard.identity is None:
            self.stop_sign_in_progress()
            self.query_one("#sign-in", Button).disabled = False
            self.query_one("#sign-in-status", Static).update("Sign-in cancelled.")

    def on_signed_in(self, message: SignedIn) -> None:
        if self.device_code_screen is not None and self.app.screen is self.device_code_screen:
            self.device_code_screen.dismiss(True)
        self.show_signed_in()
        self.query_one("#next", Button).focus()

    def show_signed_in(self) -> None:
        self.stop_sign_in_progress()
        identity = self.wizard.identity
        assert identity is not None
        account = identity.account or "an app identity"
        status = self.query_one("#sign-in-status", Static)
        status.update(
            f"✓ Signed in as {account} to {identity.display_name} ({identity.tenant_domain}, {identity.tenant_type})."
        )
        status.set_classes("good")
        self.query_one("#sign-in", Button).disabled = False
        self.query_one("#next", Button).disabled = False

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group != WorkGroup.SIGN_IN:
            return
        self.stop_sign_in_progress()
        error = message.error
        status = self.query_one("#sign-in-status", Static)
        what = error.what if isinstance(error, SetupError) else f"Sign-in failed: {error}"
        fix = f"\n{error.fix}" if isinstance(error, SetupError) and error.fix else ""
        status.update(f"✗ {what}{fix}")
        status.set_classes("problem")
        self.query_one("#sign-in", Button).disabled = False

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#next")
    def next_step(self) -> None:
        self.wizard.go_on(self)
