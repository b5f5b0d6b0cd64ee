"""The OS keyring, found without keyring's search through every backend it ships.

keyring's own detection imports each backend it registers, whatever the platform (on Linux the macOS one looks for
three macOS libraries with ctypes' find_library, each search running ldconfig, and the C compiler and linker when
present, as subprocesses), and does it on the first secret lookup of every run.
This module makes the same choice from the backends the platform can have: the one PYTHON_KEYRING_BACKEND or
keyring's keyringrc.cfg names, else Keychain on macOS, Credential Manager on Windows, and elsewhere whichever of
Secret Service, KWallet and libsecret answers (several: keyring's own choice, which chains them); none: keyring's
"no keyring" backend. A backend a third-party package adds is used when those settings name it.

Secret Service is not even tried without a session bus address (a CI runner, a container): keyring reaches it
through jeepney, which finds the bus only by DBUS_SESSION_BUS_ADDRESS, so asking would import secretstorage and
cryptography (tens of milliseconds, megabytes of memory) only to hear no.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

PLATFORM_BACKENDS: dict[str, tuple[str, ...]] = {
    "darwin": ("keyring.backends.macOS.Keyring",),
    "win32": ("keyring.backends.Windows.WinVaultKeyring",),
}
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FREEDESKTOP_BACKENDS = (
    SECRET_SERVICE,
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.libsecret.Keyring",
)
"""Every other platform's candidates (Linux, the BSDs): the freedesktop.org keyrings keyring ships."""
NO_KEYRING = "keyring.backends.fail.Keyring"
"""keyring's backend for "none here": every read and write raises NoKeyringError."""


def os_keyring() -> KeyringBackend:
    """The keyring this process uses: the one already set (by a test, or by an earlier call), else the platform's."""
    import keyring
    import keyring.core

    # keyring has no public "has a backend been chosen": get_keyring() would run its own detection.
    if keyring.core._keyring_backend is None:
        chosen = keyring.core.load_env() or keyring.core.load_config() or _platform_keyring(sys.platform)
        if chosen is None:
            keyring.core.init_backend()
        else:
            keyring.set_keyring(chosen)
    return keyring.get_keyring()


def _platform_keyring(platform: str) -> KeyringBackend | None:
    """The best of `platform`'s backends that work here, keyring's "no keyring" backend when none does, or None when
    several do (keyring then chains them, which needs its full detection)."""
    from keyring.backend import by_priority
    from keyring.core import load_keyring

    candidates = PLATFORM_BACKENDS.get(platform, FREEDESKTOP_BACKENDS)
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        candidates = tuple(name for name in candidates if name != SECRET_SERVICE)
    working = []
    for name in candidates:
        try:
            working.append(load_keyring(name))
        except Exception:  # noqa: BLE001 - not usable here (a library missing, no daemon, another OS)
            continue
    if sum(backend.priority > 0 for backend in working) > 1:
        return None
    return max([*working, load_keyring(NO_KEYRING)], key=by_priority)
