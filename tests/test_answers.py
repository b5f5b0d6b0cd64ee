"""The answers model: defaults, normalisation, and an error naming the TOML key for every bad input."""

from pathlib import Path

import pytest

from wizard.answers import Answers, Mfa, Pivot, load_answers, parse_answers
from wizard.errors import BadInputError, ExitCode

GUID = "00001111-aaaa-2222-bbbb-3333cccc4444"
MINIMAL = f"""
[tenant]
name = "contoso"
[asignio]
client_id = "{GUID}"
[setup]
pivot = "custom-policy"
mfa = "phone"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_gets_the_documented_defaults(tmp_path: Path) -> None:
    answers = load_answers(write(tmp_path, MINIMAL))
    assert answers.tenant.domain == "contoso.onmicrosoft.com"
    assert answers.setup.pivot is Pivot.CUSTOM_POLICY and answers.setup.mfa is Mfa.PHONE
    assert answers.custom_policy.policy_key == "B2C_1A_AsignioSecret"
    assert answers.custom_policy.journey_id == "AsignioSUSI"
    assert answers.custom_policy.relying_party == "B2C_1A_AsignioSUSI"
    assert answers.user_flow.name == "B2C_1_AsignioSignupSignin"
    assert answers.asignio.display_name == "Asignio"


def test_tenant_domain_and_prefixes_are_normalised(tmp_path: Path) -> None:
    text = MINIMAL.replace('"contoso"', '"Contoso.onmicrosoft.com"') + (
        '[custom_policy]\npolicy_key = "MySecret"\nrelying_party = "b2c_1a_Mine"\n[user_flow]\nname = "Flow"\n'
    )
    answers = load_answers(write(tmp_path, text))
    assert answers.tenant.name == "contoso"
    assert answers.custom_policy.policy_key == "B2C_1A_MySecret"
    assert answers.custom_policy.relying_party == "B2C_1A_Mine"
    assert answers.user_flow.name == "B2C_1_Flow"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('pivot = "custom-policy"', 'pivot = "custom-policy"\ncolour = "blue"'), "setup.colour: unknown key"),
        ((f'client_id = "{GUID}"', 'client_id = "abc"'), "asignio.client_id: 'abc' is not a GUID"),
        ((f'client_id = "{GUID}"', "client_id = 42"), "asignio.client_id = 42"),
        (('name = "contoso"', 'name = "con toso"'), "tenant.name: 'con toso' is not a tenant name"),
        (('name = "contoso"', 'name = "con-toso.onmicrosoft.com"'), "tenant.name:"),
        (('pivot = "custom-policy"', 'pivot = "portal"'), "setup.pivot = 'portal': not one of the choices"),
        (('mfa = "phone"', 'mfa = "sms"'), "setup.mfa = 'sms'"),
        (('[tenant]\nname = "contoso"', ""), "tenant: required but missing"),
    ],
)
def test_each_bad_answer_names_its_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    with pytest.raises(BadInputError) as caught:
        load_answers(write(tmp_path, MINIMAL.replace(*change)))
    assert expected in caught.value.what
    assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_toml_syntax_errors_and_missing_files_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="not valid TOML"):
        load_answers(write(tmp_path, "[tenant\n"))
    with pytest.raises(BadInputError, match="no such answers file"):
        load_answers(tmp_path / "absent.toml")


def test_round_trip_through_toml_keeps_every_answer(tmp_path: Path) -> None:
    answers = load_answers(write(tmp_path, MINIMAL + '[test_app]\ndisplay_name = "Mine"\n'))
    again = load_answers(write(tmp_path, answers.to_toml()))
    assert again == answers


def test_fingerprint_changes_only_with_the_sections_it_covers() -> None:
    base = parse_answers(
        {"tenant": {"name": "contoso"}, "asignio": {"client_id": GUID}, "setup": {"pivot": "user-flow"}}
    )
    changed = base.model_copy(deep=True)
    changed.test_app.display_name = "Other"
    assert base.fingerprint("asignio") == changed.fingerprint("asignio")
    assert base.fingerprint() != changed.fingerprint()


def test_every_field_has_a_description() -> None:
    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += walk(annotation)
        return missing

    assert walk(Answers) == []
