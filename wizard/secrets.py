"""Where secrets live: the OS keyring, or an environment variable. Never a file, the state, a log or argv.

Every secret read here is remembered (wizard.outgoing) the moment it is read, so no text that leaves the process
carries it, whatever a server echoes back. Every command that reads an answers file first remembers every secret the
answers point at (`remember_answers_secrets`), whether or not it needs them: a server that holds a secret may quote it
to a command that never read it (Asignio's refusal to `verify`, Graph's to `plan`)."""

from __future__ import annotations

import contextlib
import os

from wizard.answers import Answers, SignInMethod
from wizard.errors import BadInputError, SetupError
from wizard.os_keyring import os_keyring
from wizard.outgoing import remember_secret

KEYRING_SERVICE = "asignio-setup"
SECRET_LIMIT = 1024
"""The longest Client Secret taken. Graph documents no limit on uploadSecret's `k` or a provider's `clientSecret`,
and secrets made by Entra or Asignio are tens of characters: a longer value is something else pasted (a file, a
token), refused before it reaches the tenant."""


def _account(tenant: str, client_id: str) -> str:
    return f"{tenant}.onmicrosoft.com/asignio/{client_id.lower()}"


def _app_account(tenant: str, client_id: str) -> str:
    return f"{tenant}.onmicrosoft.com/sign-in-app/{client_id.lower()}"


def _get(account: str) -> str | None:
    """Read from whatever keyring the OS offers; no keyring at all reads as 'nothing stored'."""
    try:
        secret = os_keyring().get_password(KEYRING_SERVICE, account)
    except Exception:  # noqa: BLE001 - any backend failure (none installed, locked, no D-Bus) means no secret
        return None
    remember_secret(secret)
    return secret


def _set(account: str, secret: str) -> None:
    try:
        os_keyring().set_password(KEYRING_SERVICE, account, secret)
    except Exception as error:  # noqa: BLE001 - every backend has its own exception types
        raise SetupError(
            f"The OS keyring could not store the secret ({type(error).__name__})",
            "unlock or start your keyring (Secret Service, Keychain, Credential Manager), or set the secret "
            "in the environment variable the answers name",
        ) from None


def stored_asignio_secret(tenant: str, client_id: str) -> str | None:
    """The Asignio Client Secret kept in the keyring for this tenant and client id, if any."""
    return _get(_account(tenant, client_id))


def save_asignio_secret(tenant: str, client_id: str, secret: str) -> None:
    """Keep the Asignio Client Secret in the keyring; raises SetupError when there is no usable keyring."""
    _set(_account(tenant, client_id), secret)


def stored_app_secret(tenant: str, client_id: str) -> str | None:
    """The client secret of the app registration used to sign in (client-secret method), if kept in the keyring."""
    return _get(_app_account(tenant, client_id))


def remember_answers_secrets(answers: Answers) -> None:
    """Make every secret value the answers point at known to the scrubber: the Asignio Client Secret in the variable
    they name and in the keyring for their tenant and client id, the sign-in app's client secret (client-secret
    method) likewise, and the access token in its variable. Only read, never checked or sent; none set, no keyring,
    a locked one: nothing is remembered and nothing fails."""
    tenant = answers.tenant.name
    for variable in (answers.asignio.secret_env, answers.auth.client_secret_env, answers.auth.access_token_env):
        if variable:
            remember_secret(os.environ.get(variable))
    stored_asignio_secret(tenant, answers.asignio.client_id)
    if answers.auth.method is SignInMethod.CLIENT_SECRET:
        stored_app_secret(tenant, answers.auth.client_id)


def misshapen(secret: str) -> str | None:
    """What keeps `secret` (already stripped) from being a Client Secret, in words that never quote it; None when
    nothing does."""
    if not secret:
        return "holds only whitespace"
    if any(character in secret for character in "\r\n"):
        return "holds a line break, and a Client Secret is one line"
    if any(not character.isprintable() for character in secret):
        return "holds a control character, which no Client Secret has"
    if len(secret) > SECRET_LIMIT:
        return f"is {len(secret):,} characters long; a Client Secret is far shorter (at most {SECRET_LIMIT:,} here)"
    return None


def checked_secret(secret: str, where: str, fix: str) -> str:
    """`secret` without the whitespace around it, or a BadInputError saying what is wrong with it and `where` it
    came from, never the value."""
    problem = misshapen(secret.strip())
    if problem is not None:
        raise BadInputError(f"The Asignio Client Secret in {where} {problem}", fix)
    return secret.strip()


def resolve_asignio_secret(answers: Answers) -> str:
    """The environment variable named in the answers wins (and is kept in the keyring when one works);
    otherwise the keyring. Neither is an error that says how to provide it; a value that cannot be a Client
    Secret (whitespace only, several lines, a control character, too long) is an error naming what is wrong."""
    tenant, client_id, variable = answers.tenant.name, answers.asignio.client_id, answers.asignio.secret_env
    given = os.environ.get(variable)
    remember_secret(given)
    if given:
        fix = f"set {variable} to the Client Secret from the Asignio Partner Administration site, and only that"
        from_environment = checked_secret(given, variable, fix)
        if stored_asignio_secret(tenant, client_id) != from_environment:
            with contextlib.suppress(SetupError):
                save_asignio_secret(tenant, client_id, from_environment)
        return from_environment
    stored = stored_asignio_secret(tenant, client_id)
    if stored:
        return checked_secret(
            stored,
            "the OS keyring",
            f"set {variable} to the Client Secret from the Asignio Partner Administration site (it then replaces "
            "the stored one), or enter it in the wizard",
        )
    raise BadInputError(
        f"No Asignio Client Secret for client id {client_id} in tenant {tenant}: the OS keyring has none "
        f"and {variable} is not set",
        f"set {variable} to the Client Secret from the Asignio Partner Administration site "
        "(it is then kept in the keyring), or enter it in the wizard",
    )
