"""Where secrets live: the OS keyring, or an environment variable. Never a file, the state, a log or argv."""

from __future__ import annotations

import contextlib
import os

from wizard.answers import Answers
from wizard.errors import BadInputError, SetupError
from wizard.os_keyring import os_keyring

KEYRING_SERVICE = "asignio-setup"


def _account(tenant: str, client_id: str) -> str:
    return f"{tenant}.onmicrosoft.com/asignio/{client_id.lower()}"


def _app_account(tenant: str, client_id: str) -> str:
    return f"{tenant}.onmicrosoft.com/sign-in-app/{client_id.lower()}"


def _get(account: str) -> str | None:
    """Read from whatever keyring the OS offers; no keyring at all reads as 'nothing stored'."""
    try:
        return os_keyring().get_password(KEYRING_SERVICE, account)
    except Exception:  # noqa: BLE001 - any backend failure (none installed, locked, no D-Bus) means no secret
        return None


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


def resolve_asignio_secret(answers: Answers) -> str:
    """The environment variable named in the answers wins (and is kept in the keyring when one works);
    otherwise the keyring. Neither is an error that says how to provide it."""
    tenant, client_id, variable = answers.tenant.name, answers.asignio.client_id, answers.asignio.secret_env
    from_environment = os.environ.get(variable, "").strip()
    if from_environment:
        if stored_asignio_secret(tenant, client_id) != from_environment:
            with contextlib.suppress(SetupError):
                save_asignio_secret(tenant, client_id, from_environment)
        return from_environment
    stored = stored_asignio_secret(tenant, client_id)
    if stored:
        return stored
    raise BadInputError(
        f"No Asignio Client Secret for client id {client_id} in tenant {tenant}: the OS keyring has none "
        f"and {variable} is not set",
        f"set {variable} to the Client Secret from the Asignio Partner Administration site "
        "(it is then kept in the keyring), or enter it in the wizard",
    )
