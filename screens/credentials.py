"""Asignio credentials: the client id (checked as typed) and the secret, which goes to the OS keyring."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Checkbox, Input, Static

from screens.base import WizardStep
from screens.messages import SecretLookedUp, SecretSaved
from wizard.answers import EXAMPLE_GUID, GUID_PATTERN, TenantAnswers
from wizard.clouds import Cloud, asignio_redirect_uri

WHERE_FROM = (
    "From the Asignio Partner Administration site (partner.asignio.com): the Client ID and "
    "Client Secret of the application you registered there for this tenant."
)

DEMO_SECRET = "demo-secret"
"""The simulated tenant takes any secret; the demo keeps it for the run and leaves the OS keyring alone."""
TENANT_ID_PLACEHOLDER = "<tenant id>"


class Guid(Validator):
    """A GUID, spaces around it ignored (a copy from a web page often brings one)."""

    def validate(self, value: str) -> ValidationResult:
        if GUID_PATTERN.fullmatch(value.strip()):
            return self.success()
        return self.failure(f"A GUID, like {EXAMPLE_GUID}")


def redirect_uris(tenant: TenantAnswers, platform: str | None, tenant_id: str | None) -> tuple[str, tuple[str, ...]]:
    """What the Asignio application must list as redirect URIs, and the sentence before them. On External ID they are
    the tenant's federation endpoints (the Done screen lists the same); one names the tenant id, known once signed
    in. `platform`: "b2c", "external-id", or None while no sign-in said which."""
    from wizard.steps.external_id import federation_redirect_uris

    b2c = asignio_redirect_uri(tenant.name, tenant.cloud)
    if platform == "b2c":
        return "Its redirect URI must be:", (b2c,)
    external = federation_redirect_uris(tenant, tenant_id or TENANT_ID_PLACEHOLDER)
    if platform == "external-id":
        return "Register both redirect URIs for it at partner.asignio.com before the run (External ID federation):", (
            external
        )
    return (
        f"Its redirect URI: the first on B2C, the other two on External ID ({TENANT_ID_PLACEHOLDER} is shown once "
        "you sign in):",
        (b2c, *external),
    )


class CredentialsScreen(WizardStep):
    """Takes the client id and secret; a secret already in the keyring can be reused without being shown."""

    CSS_PATH = "credentials.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "copy_redirect_uris", "Copy redirect URIs", tooltip="Copy the redirect URIs shown")
    ]
    HELP_TITLE = "Asignio credentials"
    HELP = (
        "The Client ID and Client Secret of the application registered for this tenant at partner.asignio.com, "
        "whose redirect URIs must be the ones shown (Ctrl+R copies them). The secret goes to the OS keyring and is "
        "never shown again; one already there for this client id can be reused."
    )

    def __init__(self) -> None:
        super().__init__()
        self.stored_secret_for: str | None = None
        self.redirect_uris: tuple[str, ...] = ()

    def compose_body(self) -> ComposeResult:
        from wizard.steps.preflight import is_external_id

        draft = self.wizard.draft
        identity = self.wizard.identity
        platform = None if identity is None else "external-id" if is_external_id(identity.tenant_type) else "b2c"
        tenant = TenantAnswers(name=draft.tenant_name, cloud=Cloud(draft.cloud))
        said, self.redirect_uris = redirect_uris(tenant, platform, identity.tenant_id if identity else None)
        yield Static("Asignio credentials", classes="title")
        yield Static(WHERE_FROM, classes="hint")
        yield Static(said, id="redirect")
        yield Static("\n".join(self.redirect_uris), id="redirect-uris", markup=False)
        yield Static("Client ID", classes="label")
        yield Input(
            self.wizard.draft.client_id,
            placeholder=EXAMPLE_GUID,
            validators=[Guid()],
            id="client-id",
            compact=True,
        )
        yield Static("", id="client-id-hint", classes="hint")
        yield Static("Client Secret", classes="label")
        yield Checkbox("Use the secret saved in the keyring for this client id", True, id="reuse", classes="hidden")
        yield Input(
            DEMO_SECRET if self.wizard.demo else "",
            placeholder="the Client Secret (kept in the OS keyring, never shown)",
            password=True,
            id="secret",
            compact=True,
        )
        yield Static("", id="secret-status")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        client_id = self.query_one("#client-id", Input)
        self.client_id_changed(client_id.validate(client_id.value))
        client_id.focus()

    @on(Input.Changed, "#client-id")
    def on_client_id_edit(self, event: Input.Changed) -> None:
        self.client_id_changed(event.validation_result)

    @property
    def client_id(self) -> str:
        """The client id as typed, without the spaces around it, in lower case (as the answers keep it)."""
        return self.query_one("#client-id", Input).value.strip().lower()

    def client_id_changed(self, result: object) -> None:
        client_id = self.query_one("#client-id", Input)
        hint = self.query_one("#client-id-hint", Static)
        self.show_stored_secret(False)
        if not self.client_id:
            hint.update("")
        elif client_id.is_valid:
            hint.update("✓ a GUID")
            hint.set_class(False, "problem")
            self.wizard.look_up_secret(self, self.client_id)
        else:
            hint.update(f"Not a GUID yet: it looks like {EXAMPLE_GUID}")
            hint.set_class(True, "problem")

    def on_secret_looked_up(self, message: SecretLookedUp) -> None:
        if message.client_id == self.client_id:
            self.show_stored_secret(message.found)

    def show_stored_secret(self, found: bool) -> None:
        self.stored_secret_for = self.client_id if found else None
        reuse = self.query_one("#reuse", Checkbox)
        reuse.set_class(not found, "hidden")
        self.query_one("#secret", Input).disabled = found and reuse.value

    @on(Checkbox.Changed, "#reuse")
    def reuse_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#secret", Input).disabled = event.value

    @property
    def reusing_stored_secret(self) -> bool:
        return self.stored_secret_for is not None and self.query_one("#reuse", Checkbox).value

    @on(Input.Submitted)
    @on(Button.Pressed, "#next")
    def next_step(self) -> None:
        if self.query_one("#next", Button).disabled:
            return
        client_id = self.query_one("#client-id", Input)
        secret = self.query_one("#secret", Input)
        status = self.query_one("#secret-status", Static)
        if not self.client_id or not client_id.is_valid:
            client_id.focus()
            return
        if self.reusing_stored_secret:
            self.accept(self.client_id, None)
        elif not secret.value.strip():
            status.update("Enter the Client Secret Asignio gave you.")
            status.set_classes("problem")
            secret.focus()
        elif self.wizard.demo:
            typed, secret.value = secret.value.strip(), ""
            self.accept(self.client_id, typed)
        else:
            status.update("Saving the secret to the OS keyring…")
            status.set_classes("")
            self.query_one("#next", Button).disabled = True
            self.wizard.save_secret(self, self.client_id, secret.value.strip())

    def on_secret_saved(self, message: SecretSaved) -> None:
        secret = self.query_one("#secret", Input)
        typed = secret.value.strip()
        secret.value = ""
        self.query_one("#next", Button).disabled = False
        if message.problem is not None:
            self.notify(
                f"{message.problem.what}. The secret is used for this run only; {message.problem.fix}.",
                title="Not saved to the keyring",
                severity="warning",
                timeout=10,
            )
        self.query_one("#secret-status", Static).update("")
        self.accept(message.client_id, typed)

    def accept(self, client_id: str, typed_secret: str | None) -> None:
        """Keep the answer and go on (a resumed setup already has its path and MFA: the app skips to the review)."""
        self.wizard.draft.client_id = client_id
        self.wizard.keep_typed_secret(typed_secret)
        self.wizard.go_on(self)

    def action_copy_redirect_uris(self) -> None:
        self.wizard.copy_text("\n".join(self.redirect_uris), "The redirect URIs")

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
