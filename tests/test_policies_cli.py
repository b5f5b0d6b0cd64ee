"""`asignio-setup policies` and `asignio-setup validate` end to end: output, exit codes, nothing written on error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.headless import CLIENT_ID
from tests.support.mounts import RunOnMount
from tests.support.paths import PROJECT_ROOT
from tests.support.policies import DOMAIN, EXTENSIONS, answers_toml, pack_chain, write_base
from wizard.cli import main
from wizard.policies import demo_chain, find_xsd

OUTPUTS = {"B2C_1A_TrustFrameworkExtensions.xml", "B2C_1A_AsignioSUSI.xml"}


def run_policies(tmp_path: Path, base: Path, answers: Path | None = None) -> tuple[int, Path]:
    out = tmp_path / "out"
    code = main(
        [
            "policies",
            "--answers",
            str(answers or answers_toml(tmp_path / "a.toml")),
            "--base",
            str(base),
            "--out",
            str(out),
        ]
    )
    return code, out


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or (out.is_dir() and list(out.iterdir()) == [])
    assert not list(out.parent.glob(".asignio-policies-*"))


@pytest.mark.parametrize("mfa", ["off", "phone"])
def test_policies_writes_both_files_and_they_validate_with_the_chain(
    starter_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mfa: str
) -> None:
    chain = pack_chain(starter_pack, "SocialAndLocalAccountsWithMfa")
    base = write_base(tmp_path / "base", chain)
    code, out = run_policies(tmp_path, base, answers_toml(tmp_path / "a.toml", mfa=mfa))
    assert code == 0, capsys.readouterr()
    assert {path.name for path in out.iterdir()} == OUTPUTS
    assert "new" in capsys.readouterr().out
    write_base(out, {name: chain[name] for name in ("TrustFrameworkBase.xml", "TrustFrameworkLocalization.xml")})
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 policies validate")


def test_a_second_run_reports_unchanged_files(
    starter_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_base(tmp_path / "base", pack_chain(starter_pack, "SocialAccounts"))
    assert run_policies(tmp_path, base)[0] == 0
    first = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
    capsys.readouterr()
    assert run_policies(tmp_path, base)[0] == 0
    assert capsys.readouterr().out.count("unchanged") == 2
    assert {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()} == first


def test_local_accounts_is_refused_and_nothing_is_written(
    starter_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_base(tmp_path / "base", pack_chain(starter_pack, "LocalAccounts"))
    code, out = run_policies(tmp_path, base)
    assert code == 2
    error = capsys.readouterr().err
    assert "cannot host the Asignio journey" in error and "SM-SocialLogin" in error
    assert "SocialAndLocalAccounts" in error and "what to do:" in error
    assert_nothing_written(out)


def demo_base(tmp_path: Path) -> Path:
    chain = demo_chain(DOMAIN)
    return write_base(tmp_path / "base", {f"{policy_id}.xml": content for policy_id, content in chain.items()})


BAD_BASES = {
    "malformed-xml": (b"<TrustFrameworkPolicy><BasePolicy>", "not well-formed XML"),
    "doctype-with-entities": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        b"<TrustFrameworkPolicy>&lol2;</TrustFrameworkPolicy>",
        "DOCTYPE",
    ),
    "wrong-root": (b'<?xml version="1.0"?><Policies/>', "root element is <Policies>"),
}


@pytest.mark.parametrize("case", list(BAD_BASES))
def test_a_bad_base_file_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, expected = BAD_BASES[case]
    base = demo_base(tmp_path)
    (base / "B2C_1A_TrustFrameworkExtensions.xml").write_bytes(content)
    code, out = run_policies(tmp_path, base)
    assert code == 2
    captured = capsys.readouterr()
    assert "B2C_1A_TrustFrameworkExtensions.xml:" in captured.out and expected in captured.out
    assert " — " in captured.out
    assert_nothing_written(out)


def test_a_fresh_starter_pack_folder_is_filled_with_the_answers_tenant(
    starter_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = write_base(
        tmp_path / "fresh",
        {
            path.name: path.read_bytes()
            for path in (starter_pack / "SocialAndLocalAccounts").glob("TrustFramework*.xml")
        },
    )
    filled = write_base(tmp_path / "filled", pack_chain(starter_pack, "SocialAndLocalAccounts"))
    code, out = run_policies(tmp_path, fresh)
    assert code == 0, capsys.readouterr()
    from_fresh = {path.name: path.read_bytes() for path in out.iterdir()}
    assert all(b"yourtenant" not in content and DOMAIN.encode() in content for content in from_fresh.values())
    assert b"yourtenant" in (fresh / EXTENSIONS).read_bytes(), "the folder itself is left as it was"
    code, out = run_policies(tmp_path, filled)
    assert code == 0
    assert {path.name: path.read_bytes() for path in out.iterdir()} == from_fresh


def test_a_base_for_another_tenant_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_base(
        tmp_path / "base", {f"{key}.xml": value for key, value in demo_chain("fabrikam.onmicrosoft.com").items()}
    )
    code, out = run_policies(tmp_path, base)
    assert code == 2
    assert "fabrikam.onmicrosoft.com" in capsys.readouterr().err
    assert_nothing_written(out)


def test_a_chain_whose_tenant_ids_differ_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = demo_base(tmp_path)
    path = base / "B2C_1A_TrustFrameworkBase.xml"
    path.write_bytes(path.read_bytes().replace(DOMAIN.encode(), b"fabrikam.onmicrosoft.com"))
    code, out = run_policies(tmp_path, base)
    assert code == 2
    assert "differs" in capsys.readouterr().out
    assert_nothing_written(out)


def test_missing_base_files_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = demo_base(tmp_path)
    (base / "B2C_1A_TrustFrameworkLocalization.xml").unlink()
    code, out = run_policies(tmp_path, base)
    assert code == 2
    assert "'B2C_1A_TrustFrameworkLocalization' is not in this set" in capsys.readouterr().out
    assert_nothing_written(out)


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_missing_or_empty_base_folder_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    base = tmp_path / folder
    if folder == "empty":
        base.mkdir()
    code, out = run_policies(tmp_path, base)
    assert code == 2
    assert str(base) in capsys.readouterr().err
    assert_nothing_written(out)


GOOD_ANSWERS = f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{CLIENT_ID}"\n[setup]\npivot = "custom-policy"\n'
BAD_ANSWERS = {
    "unknown-key": (GOOD_ANSWERS + "colour = 'blue'\n", "setup.colour: unknown key"),
    "client-id-not-a-guid": (GOOD_ANSWERS.replace(CLIENT_ID, "not-a-guid"), "asignio.client_id"),
    "bad-tenant-name": (GOOD_ANSWERS.replace('"contoso"', '"con toso!"'), "tenant.name"),
    "wrong-type": (GOOD_ANSWERS.replace('"contoso"', "42"), "tenant.name"),
    "bad-mfa": (GOOD_ANSWERS + 'mfa = "text"\n', "setup.mfa"),
    "missing-key": (GOOD_ANSWERS.replace(f'client_id = "{CLIENT_ID}"', ""), "asignio.client_id: required"),
    "not-toml": ("[tenant\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_bad_answers_are_explained_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, expected = BAD_ANSWERS[case]
    code, out = run_policies(tmp_path, demo_base(tmp_path), answers_toml(tmp_path / "a.toml", text))
    assert code == 2
    assert expected in capsys.readouterr().err
    assert_nothing_written(out)


def test_validate_reports_each_problem_as_file_line_what_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = demo_base(tmp_path)
    path = base / "B2C_1A_TrustFrameworkBase.xml"
    path.write_bytes(path.read_bytes().replace(b'ReferenceId="SM-AAD"', b'ReferenceId="SM-Missing"', 1))
    assert main(["validate", str(base)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("B2C_1A_TrustFrameworkBase.xml:")
    location, rest = lines[0].split(": ", 1)
    assert location.rsplit(":", 1)[1].isdigit()
    assert "'SM-Missing'" in rest and " — " in rest


def test_validate_with_an_explicit_xsd(xsd_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(demo_base(tmp_path)), "--xsd", str(xsd_path)]) == 0
    assert str(xsd_path) in capsys.readouterr().out


def test_validate_with_a_missing_xsd_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(demo_base(tmp_path)), "--xsd", str(tmp_path / "nope.xsd")]) == 2
    assert "no XSD there" in capsys.readouterr().err


def test_the_installed_command_runs_as_a_module(starter_pack: Path, tmp_path: Path) -> None:
    base = write_base(tmp_path / "base", pack_chain(starter_pack, "SocialAccounts"))
    answers = answers_toml(tmp_path / "a.toml", mfa="phone")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "policies", "--answers", str(answers), "--base", str(base), "--out", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert {path.name for path in out.iterdir()} == OUTPUTS
    assert (out / "B2C_1A_TrustFrameworkExtensions.xml").read_bytes().startswith(b"<?xml")
    clean = subprocess.run(
        [sys.executable, "-m", "wizard", "validate", str(base)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert clean.returncode == 0, clean.stdout
    (base / EXTENSIONS).write_bytes(b"<oops")
    broken = subprocess.run(
        [sys.executable, "-m", "wizard", "validate", str(base)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 2
    assert f"{EXTENSIONS}:1: not well-formed XML" in broken.stdout


@pytest.fixture
def no_xsd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As an installed tool runs: no ../shared/b2c/xsd beside the project or the working folder."""
    monkeypatch.setattr("wizard.policies.schema.PROJECT_ROOT", tmp_path / "installed")
    monkeypatch.chdir(tmp_path)
    assert find_xsd() is None


@pytest.mark.usefixtures("no_xsd")
@pytest.mark.parametrize("policy_id", ["../escaped", "{tmp}/absolute", "B2C_1A_X/../../escaped"])
def test_a_policy_id_that_is_a_path_writes_nothing_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], policy_id: str
) -> None:
    """Without the XSD (an installed tool has none) nothing but B2C's own id rule stands between the id and a path."""
    policy_id = policy_id.format(tmp=tmp_path)
    base = demo_base(tmp_path)
    path = base / "B2C_1A_TrustFrameworkExtensions.xml"
    path.write_bytes(
        path.read_bytes().replace(b'PolicyId="B2C_1A_TrustFrameworkExtensions"', f'PolicyId="{policy_id}"'.encode())
    )
    answers = answers_toml(tmp_path / "a.toml")
    before = set(tmp_path.rglob("*"))
    code, _ = run_policies(tmp_path, base, answers)
    assert code == 2
    captured = capsys.readouterr()
    assert "B2C_1A_TrustFrameworkExtensions.xml:" in captured.out and "is not a B2C policy id" in captured.out
    assert "this is a bug" not in captured.err
    assert set(tmp_path.rglob("*")) == before


@pytest.mark.usefixtures("no_xsd")
def test_validate_refuses_a_policy_id_b2c_would_not_take_without_the_xsd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = demo_base(tmp_path)
    path = base / "B2C_1A_TrustFrameworkLocalization.xml"
    path.write_bytes(path.read_bytes().replace(b"<PolicyId>B2C_1A_TrustFrameworkBase<", b"<PolicyId>../Base<"))
    assert main(["validate", str(base)]) == 2
    out = capsys.readouterr().out
    assert (
        "B2C_1A_TrustFrameworkLocalization.xml:" in out
        and "BasePolicy PolicyId '../Base' is not a B2C policy id" in out
    )


def test_validate_reports_what_it_cannot_read_instead_of_skipping_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = demo_base(tmp_path)
    (base / "Dangling.xml").symlink_to(tmp_path / "nowhere.xml")
    os.mkfifo(base / "Pipe.xml")
    (base / "Device.xml").symlink_to("/dev/null")
    (base / "Folder.xml").mkdir()
    (base / "Huge.xml").write_bytes(b"<x>" + b" " * (5 * 1024 * 1024) + b"</x>")
    assert main(["validate", str(base)]) == 2
    captured = capsys.readouterr()
    assert "Dangling.xml: is a symbolic link to nothing" in captured.out
    assert "Pipe.xml: is a FIFO (named pipe), not a regular file" in captured.out
    assert "Device.xml: is a device, not a regular file" in captured.out
    assert "Folder.xml: is a folder, not a regular file" in captured.out
    assert "Huge.xml: is larger than 4 MB" in captured.out
    assert "5 problem(s) in 3 file(s)" in captured.err


def test_a_base_folder_with_a_fifo_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = demo_base(tmp_path)
    os.mkfifo(base / "Pipe.xml")
    code, out = run_policies(tmp_path, base)
    assert code == 2
    assert "Pipe.xml: is a FIFO (named pipe), not a regular file" in capsys.readouterr().out
    assert_nothing_written(out)


@pytest.mark.parametrize("cycle", ["through-the-chain", "self"])
def test_a_base_chain_with_a_cycle_is_said_as_the_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cycle: str
) -> None:
    base = demo_base(tmp_path)
    path = base / "B2C_1A_TrustFrameworkBase.xml"
    based_on = "B2C_1A_TrustFrameworkExtensions" if cycle == "through-the-chain" else "B2C_1A_TrustFrameworkBase"
    text = path.read_text(encoding="utf-8")
    opening = text.index(">", text.index("<TrustFrameworkPolicy")) + 1
    path.write_text(
        text[:opening]
        + f"<BasePolicy><TenantId>{DOMAIN}</TenantId><PolicyId>{based_on}</PolicyId></BasePolicy>"
        + text[opening:],
        encoding="utf-8",
    )
    expected = (
        "cycle: B2C_1A_TrustFrameworkBase → B2C_1A_TrustFrameworkExtensions → B2C_1A_TrustFrameworkLocalization"
        " → B2C_1A_TrustFrameworkBase"
        if cycle == "through-the-chain"
        else "cycle: B2C_1A_TrustFrameworkBase → B2C_1A_TrustFrameworkBase"
    )
    code, out = run_policies(tmp_path, base)
    assert code == 2
    captured = capsys.readouterr()
    assert expected in captured.out and "this is a bug" not in captured.err
    assert_nothing_written(out)
    assert main(["validate", str(base)]) == 2
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize("where", ["a file", "under a file", "a folder where a policy goes"])
def test_an_out_that_cannot_take_the_policies_is_refused_before_any_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    out = tmp_path / "out"
    if where == "a file":
        out.write_text("not a folder")
    elif where == "under a file":
        (tmp_path / "file").write_text("not a folder")
        out = tmp_path / "file" / "out"
    else:
        (out / "B2C_1A_AsignioSUSI.xml").mkdir(parents=True)
    args = ["policies", "--answers", str(answers_toml(tmp_path / "a.toml")), "--base", str(demo_base(tmp_path))]
    assert main([*args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and str(out) in captured.err and "this is a bug" not in captured.err
    assert not list(tmp_path.rglob(".asignio-policies-*"))


def test_a_read_only_out_is_refused_before_any_line(tmp_path: Path, on_own_mount: RunOnMount) -> None:
    read_only = tmp_path / "read-only"
    args = ["policies", "--answers", str(answers_toml(tmp_path / "a.toml")), "--base", str(demo_base(tmp_path))]
    result = on_own_mount(
        read_only, [sys.executable, "-m", "wizard", *args, "--out", str(read_only / "out")], read_only=True
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert f"{read_only / 'out'}: the policies cannot be written there (Read-only file system)" in result.stderr
