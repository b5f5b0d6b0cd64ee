"""The official XSD for installed users: the pinned commit's file from the user cache, downloaded once when online."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT
from tests.support.policies import pack_chain, write_base
from wizard.starter_pack_files import cache_folder
from wizard.starter_pack_pins import XSD_PATH


def installed_copy(tmp_path: Path) -> Path:
    """The project's package alone, as pip installs it: no ../shared beside it or the working folder."""
    copy = tmp_path / "installed" / "site"
    shutil.copytree(PROJECT_ROOT / "wizard", copy / "wizard", ignore=shutil.ignore_patterns("__pycache__"))
    assert not (copy.parent / "shared").exists() and not (copy / ".." / ".." / "shared").exists()
    return copy


def validate_from(copy: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, wizard; print(wizard.__file__, file=sys.stderr); from wizard.cli import main; sys.exit(main(sys.argv[1:]))",
            "validate",
            str(folder),
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stderr.splitlines()[0].startswith(str(copy)), "the copy runs, not the project"
    return result


@pytest.fixture
def base(starter_pack: Path, tmp_path: Path) -> Path:
    return write_base(tmp_path / "base", pack_chain(starter_pack, "SocialAndLocalAccounts"))


def test_a_prefilled_cache_gives_the_xsd(tmp_path: Path, base: Path, xsd_path: Path) -> None:
    cached = cache_folder() / XSD_PATH
    cached.parent.mkdir(parents=True)
    shutil.copyfile(xsd_path, cached)
    result = validate_from(installed_copy(tmp_path), base)
    assert result.returncode == 0, result.stdout
    assert f"with the XSD at {cached}" in result.stdout


def test_offline_with_no_cache_validates_without_the_xsd_and_says_so_once(tmp_path: Path, base: Path) -> None:
    result = validate_from(installed_copy(tmp_path), base)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("without the XSD") == 1
    assert "could not be downloaded: pass --xsd FILE" in result.stdout
    assert not (cache_folder() / XSD_PATH).exists()


def test_online_with_no_cache_downloads_checks_and_caches_it(
    tmp_path: Path, base: Path, archive_server: list[str], xsd_path: Path
) -> None:
    result = validate_from(installed_copy(tmp_path), base)
    assert result.returncode == 0, result.stdout
    cached = cache_folder() / XSD_PATH
    assert f"with the XSD at {cached}" in result.stdout
    assert cached.read_bytes() == xsd_path.read_bytes()
    assert archive_server == ["/archive.zip"]


def test_a_tampered_cached_xsd_is_not_used(tmp_path: Path, base: Path, xsd_path: Path) -> None:
    cached = cache_folder() / XSD_PATH
    cached.parent.mkdir(parents=True)
    cached.write_bytes(xsd_path.read_bytes().replace(b"TrustFrameworkPolicy", b"Tampered", 1))
    result = validate_from(installed_copy(tmp_path), base)
    assert "without the XSD" in result.stdout


def test_an_explicit_xsd_still_wins(tmp_path: Path, base: Path, xsd_path: Path) -> None:
    cached = cache_folder() / XSD_PATH
    cached.parent.mkdir(parents=True)
    shutil.copyfile(xsd_path, cached)
    explicit = tmp_path / "mine.xsd"
    shutil.copyfile(xsd_path, explicit)
    copy = installed_copy(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "validate", str(base), "--xsd", str(explicit)],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
    assert f"with the XSD at {explicit}" in result.stdout
