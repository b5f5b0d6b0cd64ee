"""The answers model: defaults, normalisation, and an error naming the TOML key for every bad input."""

import ast
import inspect
import os
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from wizard.answers import Answers, Mfa, Pivot, parse_answers
from wizard.answers_file import load_answers
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
        (('mfa = "phone"', 'mfa = "text"'), "setup.mfa = 'text'"),
        (('mfa = "phone"', 'mfa = "sms"'), "is not offered on the custom-policy path"),
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
    with pytest.raises(BadInputError, match="the answers file does not exist"):
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


def field_docstrings(model: type) -> set[str]:
    """The fields of `model`'s class body that a docstring follows, read from its source."""
    body = ast.parse(textwrap.dedent(inspect.getsource(model))).body[0]
    assert isinstance(body, ast.ClassDef)
    return {
        field.target.id
        for field, following in zip(body.body, body.body[1:], strict=False)
        if isinstance(field, ast.AnnAssign)
        and isinstance(field.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    }


def test_every_field_has_a_docstring() -> None:
    def walk(model: type[BaseModel]) -> list[str]:
        missing = []
        documented = field_docstrings(model)
        for name, field in model.model_fields.items():
            if name not in documented:
                missing.append(f"{model.__name__}.{name}")
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                missing += walk(annotation)
        return missing

    assert walk(Answers) == []


def text_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every string answer of the model, as its TOML key (section.key)."""
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += text_fields(annotation, f"{prefix}{name}.")
        elif annotation is str or annotation == (str | None):
            keys.append(prefix + name)
    return keys


def with_value(key: str, value: object) -> dict[str, dict[str, object]]:
    section, name = key.split(".")
    data: dict[str, dict[str, object]] = {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": GUID},
        "setup": {"pivot": "user-flow"},
    }
    data.setdefault(section, {})[name] = value
    return data


def test_the_model_has_the_string_answers_the_tests_below_walk() -> None:
    assert {"test_app.redirect_uri", "asignio.domain_hint", "tenant.name", "auth.client_secret_env"} <= set(
        text_fields(Answers)
    )


@pytest.mark.parametrize("key", text_fields(Answers))
def test_every_text_answer_refuses_control_characters_naming_its_key(key: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_answers(with_value(key, "Asignio\x1b[31m"), "answers.toml")
    assert f"answers.toml: {key}: holds the control character U+001B" in caught.value.what


@pytest.mark.parametrize("key", text_fields(Answers))
def test_every_text_answer_is_bounded_and_a_huge_one_is_quoted_cut_short(key: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_answers(with_value(key, "a" * 500_000), "answers.toml")
    assert f"answers.toml: {key}" in caught.value.what
    assert len(caught.value.what) < 400


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "http://jwt.ms",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "https://jwt.ms/#token",
        "https://evil.example@jwt.ms",
        "jwt.ms",
        "https://jwt.ms/" + "a" * 300,
    ],
    ids=lambda uri: uri[:32],
)
def test_a_redirect_uri_entra_would_refuse_is_refused(uri: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_answers(with_value("test_app.redirect_uri", uri))
    assert "test_app.redirect_uri" in caught.value.what


@pytest.mark.parametrize(
    "uri",
    [
        "https://jwt.ms",
        "https://contoso.example/cb?x=1",
        "http://localhost:3000/cb",
        "http://127.0.0.1/",
        "http://[::1]:8080/",
    ],
)
def test_https_redirect_uris_and_plain_http_to_this_machine_are_accepted(uri: str) -> None:
    assert parse_answers(with_value("test_app.redirect_uri", uri)).test_app.redirect_uri == uri


@pytest.mark.parametrize(
    "hint",
    ["javascript:alert(1)", "asignio.com?x=<b>", "two words", "-asignio.com", "a" * 300],
    ids=lambda hint: hint[:32],
)
def test_a_domain_hint_is_a_domain_or_its_https_url(hint: str) -> None:
    with pytest.raises(BadInputError, match=r"asignio\.domain_hint"):
        parse_answers(with_value("asignio.domain_hint", hint))
    for good in ("asignio.com", "https://asignio.com", "https://asignio.com/"):
        assert parse_answers(with_value("asignio.domain_hint", good)).asignio.domain_hint == good


def test_a_control_character_in_the_file_stops_the_run_before_anything_is_written(
    tmp_path: Path, isolated_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wizard.cli import main

    path = write(tmp_path, MINIMAL + '[test_app]\ndisplay_name = "Asignio \\u0007 test"\n')
    assert main(["--non-interactive", str(path)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "test_app.display_name: holds the control character U+0007" in err and "this is a bug" not in err
    assert list((isolated_environment / "xdg_state_home").iterdir()) == []


def test_a_utf8_bom_at_the_start_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_answers(path).tenant.name == "contoso"


@pytest.mark.parametrize(
    "nested", ["[" * 100_000 + "]" * 100_000, "{a = " * 5_000 + "1" + "}" * 5_000], ids=["arrays", "tables"]
)
def test_deeply_nested_toml_is_a_sentence(tmp_path: Path, nested: str) -> None:
    with pytest.raises(BadInputError, match="nested too deeply"):
        load_answers(write(tmp_path, MINIMAL + f"[test_app]\ndisplay_name = {nested}\n"))


def test_thousands_of_unknown_keys_print_the_first_few_and_the_count(tmp_path: Path) -> None:
    unknown = "".join(f"k{number:x}=1\n" for number in range(100_000))
    with pytest.raises(BadInputError) as caught:
        load_answers(write(tmp_path, MINIMAL.replace("[setup]\n", "[setup]\n" + unknown)))
    lines = caught.value.what.splitlines()
    assert len(lines) == 11
    assert lines[0].endswith("setup.k0: unknown key — remove it or check its spelling (see the README)")
    assert lines[-1].endswith("… and 99,990 more problems")


def test_two_hundred_thousand_unknown_keys_print_the_first_few_and_the_count() -> None:
    """As many as no answers file under the 1 MB cap can hold: what the model is given, however it came."""
    data = with_value("test_app.display_name", "Mine")
    data.update({f"section{number}": {} for number in range(200_000)})
    with pytest.raises(BadInputError) as caught:
        parse_answers(data, "answers")
    lines = caught.value.what.splitlines()
    assert lines[0] == "answers: section0: unknown key — remove it or check its spelling (see the README)"
    assert lines[-1] == "answers: … and 199,990 more problems" and len(lines) == 11


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + f'[test_app]\ndisplay_name = "{"x" * 5_000_000}"\n')
    with pytest.raises(BadInputError, match="larger than 1 MB") as caught:
        load_answers(path)
    assert len(caught.value.what) < 200


def test_a_file_that_is_not_utf8_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(MINIMAL.encode().replace(b"contoso", b"cont\xf6so"))
    with pytest.raises(BadInputError, match="not UTF-8"):
        load_answers(path)


def test_an_answers_path_that_is_a_device_a_fifo_or_a_folder_is_refused_without_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wizard.cli import main

    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)  # no writer: opening it for reading the ordinary way would block forever
    for path, kind in ((Path("/dev/zero"), "a device"), (fifo, "a FIFO"), (tmp_path, "a folder")):
        with pytest.raises(BadInputError) as caught:
            load_answers(path)
        assert f"{path}: the answers file is {kind}" in caught.value.what
    assert main(["--non-interactive", str(fifo)]) == ExitCode.BAD_INPUT
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().err


def test_the_starter_pack_follows_mfa_unless_named(tmp_path: Path) -> None:
    with_phone = load_answers(write(tmp_path, MINIMAL))
    assert with_phone.custom_policy.starter_pack == "auto"
    assert with_phone.starter_pack_name() == "SocialAndLocalAccountsWithMfa"
    assert with_phone.custom_policy.include_sample_policies is False
    assert with_phone.custom_policy.starter_pack_path() is None
    without = load_answers(write(tmp_path, MINIMAL.replace('mfa = "phone"', 'mfa = "off"')))
    assert without.starter_pack_name() == "SocialAndLocalAccounts"
    named = load_answers(
        write(
            tmp_path,
            MINIMAL
            + '[custom_policy]\nstarter_pack = "SocialAccounts"\nstarter_pack_source = "~/packs"\n'
            + "include_sample_policies = true\n",
        )
    )
    assert named.starter_pack_name() == "SocialAccounts"
    assert named.custom_policy.starter_pack_path() == Path("~/packs").expanduser()
    assert named.custom_policy.include_sample_policies is True


def test_an_unknown_starter_pack_is_refused_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as caught:
        load_answers(write(tmp_path, MINIMAL + '[custom_policy]\nstarter_pack = "LocalAccounts"\n'))
    assert "custom_policy.starter_pack: 'LocalAccounts' is not a starter pack" in caught.value.what
    assert "SocialAndLocalAccountsWithMfa" in caught.value.what


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8123/.well-known/openid-configuration", "http://localhost/.well-known/openid-configuration"],
)
def test_the_metadata_url_may_be_plain_http_on_this_machine_only(url: str) -> None:
    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", "metadata_url": url},
            "setup": {"pivot": "external-id"},
        }
    )
    assert answers.asignio.metadata_url == url


def test_a_plain_http_metadata_url_elsewhere_is_refused_naming_the_key() -> None:
    with pytest.raises(BadInputError, match=r"asignio\.metadata_url: .* must be an https:// URL \(plain http://"):
        parse_answers(
            {
                "tenant": {"name": "contoso"},
                "asignio": {
                    "client_id": "00001111-aaaa-2222-bbbb-3333cccc4444",
                    "metadata_url": "http://authorization.asignio.com/.well-known/openid-configuration",
                },
                "setup": {"pivot": "external-id"},
            }
        )
