"""The Asignio Client Secret: OS keyring or environment, never anywhere else."""

from pathlib import Path

import pytest

from tests.support.headless import write_answers
from wizard.answers import parse_answers
from wizard.cli import main
from wizard.errors import BadInputError, ExitCode, SetupError
from wizard.secrets import resolve_asignio_secret, save_asignio_secret, stored_asignio_secret
from wizard.simulator import SimulatorServer

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


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("   \t ", "holds only whitespace"),
        ("Asignio-Secret-first\nAsignio-Secret-second", "holds a line break, and a Client Secret is one line"),
        ("Asignio-Secret-\x1b[2J", "holds a control character"),
        ("Asignio-Secret-" + "q" * 100_000, "is 100,015 characters long; a Client Secret is far shorter"),
    ],
    ids=["whitespace", "two-lines", "control-character", "100-kb"],
)
def test_a_secret_that_cannot_be_one_is_refused_naming_the_problem_never_the_value(
    simulator: SimulatorServer,
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
    said: str,
) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", value)
    assert main(["run", str(write_answers(answers_dir, "custom-policy")), "--json"]) == ExitCode.BAD_INPUT
    captured = capsys.readouterr()
    assert f"error: The Asignio Client Secret in ASIGNIO_CLIENT_SECRET {said}" in captured.err
    assert "is not set" not in captured.err
    assert "Asignio-Secret-" not in captured.out + captured.err
    assert simulator.writes == 0
