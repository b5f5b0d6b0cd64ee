"""The Asignio Client Secret: OS keyring or environment, never anywhere else."""

import pytest

from wizard.answers import parse_answers
from wizard.errors import BadInputError, SetupError
from wizard.secrets import resolve_asignio_secret, save_asignio_secret, stored_asignio_secret

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-AAAA-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "user-flow"},
    }
)
CLIENT_ID = ANSWERS.asignio.client_id


def test_no_keyring_and_no_environment_is_one_clear_sentence() -> None:
    with pytest.raises(BadInputError) as caught:
        resolve_asignio_secret(ANSWERS)
    assert "the OS keyring has none and ASIGNIO_CLIENT_SECRET is not set" in caught.value.what
    assert "set ASIGNIO_CLIENT_SECRET" in caught.value.fix


def test_environment_secret_works_without_a_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "from-env")
    assert resolve_asignio_secret(ANSWERS) == "from-env"


def test_saving_without_a_keyring_says_what_to_do() -> None:
    with pytest.raises(SetupError, match="could not store"):
        save_asignio_secret("contoso", CLIENT_ID, "x")


@pytest.mark.keyring
def test_real_keyring_round_trip(secret_service: str) -> None:
    assert stored_asignio_secret("contoso", CLIENT_ID) is None
    save_asignio_secret("contoso", CLIENT_ID, "s3cret")
    assert stored_asignio_secret("contoso", CLIENT_ID.upper()) == "s3cret"
    assert stored_asignio_secret("fabrikam", CLIENT_ID) is None
    assert resolve_asignio_secret(ANSWERS) == "s3cret"


@pytest.mark.keyring
def test_environment_secret_is_kept_in_the_real_keyring(secret_service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "rotated")
    assert resolve_asignio_secret(ANSWERS) == "rotated"
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    assert resolve_asignio_secret(ANSWERS) == "rotated"
