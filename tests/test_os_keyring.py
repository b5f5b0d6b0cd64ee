"""The OS keyring is the platform's own, found without keyring loading every backend it ships."""

from __future__ import annotations

import os
import subprocess
import sys

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.core
import pytest
from keyring.compat import properties

from tests.support.headless import CLIENT_ID
from tests.support.paths import PROJECT_ROOT
from wizard import os_keyring as chooser
from wizard.os_keyring import FREEDESKTOP_BACKENDS, NO_KEYRING, PLATFORM_BACKENDS, os_keyring

HERE = __name__
OTHER_FREEDESKTOP = ("keyring.backends.kwallet", "keyring.backends.libsecret")
"""The freedesktop backend modules besides Secret Service's: each fails to import its D-Bus library here."""


class HoldsNothing:
    """A test backend's storage: nothing kept, nothing written."""

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


class WorkingKeyring(HoldsNothing, keyring.backend.KeyringBackend):
    """A backend that works wherever the tests run."""

    priority = 3


class OtherWorkingKeyring(HoldsNothing, keyring.backend.KeyringBackend):
    priority = 2


class AbsentKeyring(HoldsNothing, keyring.backend.KeyringBackend):
    """A backend of another platform: asking its priority says it cannot work here, as keyring's own do."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("not on this platform")


@pytest.fixture
def nothing_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh process: no keyring chosen yet, none named by PYTHON_KEYRING_BACKEND or keyringrc.cfg."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


def test_every_platform_names_backends_keyring_ships() -> None:
    for name in {*FREEDESKTOP_BACKENDS, NO_KEYRING, *(n for names in PLATFORM_BACKENDS.values() for n in names)}:
        module, _, class_name = name.rpartition(".")
        backend = getattr(__import__(module, fromlist=[class_name]), class_name)
        assert issubclass(backend, keyring.backend.KeyringBackend), name
    assert PLATFORM_BACKENDS["darwin"] == ("keyring.backends.macOS.Keyring",)
    assert PLATFORM_BACKENDS["win32"] == ("keyring.backends.Windows.WinVaultKeyring",)


def test_the_platforms_working_backend_is_chosen(monkeypatch: pytest.MonkeyPatch, nothing_chosen: None) -> None:
    monkeypatch.setitem(PLATFORM_BACKENDS, sys.platform, (f"{HERE}.AbsentKeyring", f"{HERE}.WorkingKeyring"))
    assert type(os_keyring()) is WorkingKeyring
    assert type(keyring.get_keyring()) is WorkingKeyring


def test_no_working_backend_is_keyrings_no_keyring(monkeypatch: pytest.MonkeyPatch, nothing_chosen: None) -> None:
    monkeypatch.setitem(PLATFORM_BACKENDS, sys.platform, (f"{HERE}.AbsentKeyring",))
    assert type(os_keyring()) is keyring.backends.fail.Keyring


def test_several_working_backends_are_chained_as_keyring_does(
    monkeypatch: pytest.MonkeyPatch, nothing_chosen: None
) -> None:
    monkeypatch.setitem(PLATFORM_BACKENDS, sys.platform, (f"{HERE}.WorkingKeyring", f"{HERE}.OtherWorkingKeyring"))
    assert chooser._platform_keyring(sys.platform) is None
    assert type(os_keyring()) is keyring.backends.chainer.ChainerBackend


def test_a_backend_named_in_the_environment_wins(monkeypatch: pytest.MonkeyPatch, nothing_chosen: None) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{HERE}.OtherWorkingKeyring")
    monkeypatch.setitem(PLATFORM_BACKENDS, sys.platform, (f"{HERE}.WorkingKeyring",))
    assert type(os_keyring()) is OtherWorkingKeyring


def test_a_keyring_the_process_set_is_kept() -> None:
    backend = keyring.core.load_keyring(f"{HERE}.WorkingKeyring")
    keyring.set_keyring(backend)
    assert os_keyring() is backend


def probe_environment() -> dict[str, str]:
    """This test's environment (its own state, config and data folders) for a child asked to find the keyring itself:
    PYTHON_KEYRING_BACKEND unset."""
    return {
        **{name: value for name, value in os.environ.items() if name != "PYTHON_KEYRING_BACKEND"},
        "PYTHONPATH": str(PROJECT_ROOT),
    }


@pytest.mark.skipif(sys.platform != "linux", reason="the other platforms' keyrings are the developer's own")
def test_on_linux_without_a_secret_service_only_the_freedesktop_backends_load(tmp_path: os.PathLike[str]) -> None:
    probe = (
        "import sys; from wizard.os_keyring import os_keyring; backend = os_keyring(); "
        "print(type(backend).__module__, *sorted(m for m in sys.modules if m.startswith('keyring.backends.')))"
    )
    env = {**probe_environment(), "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    chosen, *loaded = result.stdout.split()
    assert chosen == "keyring.backends.fail"
    assert set(loaded) == {"keyring.backends.fail", "keyring.backends.SecretService", *OTHER_FREEDESKTOP}


@pytest.mark.skipif(sys.platform != "linux", reason="the other platforms' keyrings are the developer's own")
def test_without_a_session_bus_secret_service_is_not_even_imported() -> None:
    probe = (
        "import sys; from wizard.os_keyring import os_keyring; backend = os_keyring(); "
        "print(type(backend).__module__, *sorted(m for m in sys.modules if m.startswith(('keyring.backends.', 'secretstorage'))))"
    )
    env = {name: value for name, value in probe_environment().items() if name != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["keyring.backends.fail", "keyring.backends.fail", *sorted(OTHER_FREEDESKTOP)]


@pytest.mark.keyring
def test_on_linux_the_real_secret_service_is_found_without_being_named(secret_service: str) -> None:
    probe = (
        "from wizard.os_keyring import os_keyring; from wizard.secrets import save_asignio_secret, "
        f"stored_asignio_secret; save_asignio_secret('contoso', '{CLIENT_ID}', 's3cret'); "
        f"print(type(os_keyring()).__module__, stored_asignio_secret('contoso', '{CLIENT_ID}'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=probe_environment(), capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["keyring.backends.SecretService", "s3cret"]
