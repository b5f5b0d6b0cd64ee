"""Files of the pinned starter-pack commit: read from a folder or the repository zip, or downloaded once and
cached, each checked against its SHA-256 before anything uses it.

Kept apart from the pack's XML handling so the schema lookup can use it without importing the policy engine.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
import zipfile
from pathlib import Path

import httpx
import platformdirs

from wizard.errors import BadInputError, ServiceError, SetupError
from wizard.starter_pack_pins import PINNED_COMMIT, PINNED_SHA256, REPOSITORY, XSD_PATH

ARCHIVE_URL_VARIABLE = "ASIGNIO_SETUP_STARTER_PACK_URL"
"""Overrides where the repository zip is downloaded from (a mirror; tests point it at loopback)."""
DEFAULT_ARCHIVE_URL = f"https://github.com/{REPOSITORY}/archive/{PINNED_COMMIT}.zip"
DOWNLOAD_TIMEOUT_SECONDS = 60.0
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024

SOURCE_FIX = "set [custom_policy] starter_pack_source to a folder with the pack folders or to the repository zip"


def cache_folder() -> Path:
    """Where verified files of the pinned commit are kept, so a second run needs no network."""
    return platformdirs.user_cache_path("asignio-setup", appauthor=False) / "starterpack" / PINNED_COMMIT


def _matches_pin(path: str, data: bytes) -> bool:
    return hashlib.sha256(data).hexdigest() == PINNED_SHA256[path]


def _check(path: str, data: bytes | None, where: str, error: type[SetupError]) -> bytes:
    if data is None:
        raise error(f"The starter pack file {path} is missing from {where}", SOURCE_FIX)
    if not _matches_pin(path, data):
        raise error(
            f"The starter pack file {path} in {where} differs from commit {PINNED_COMMIT[:12]} (SHA-256 mismatch)",
            f"use the files of that commit unchanged, or {SOURCE_FIX}",
        )
    return data


def _zip_members(archive: bytes, where: str) -> dict[str, bytes]:
    """Repository paths → bytes, whatever single top folder the zip has (GitHub names it repo-commit)."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            members: dict[str, bytes] = {}
            for info in opened.infolist():
                if info.is_dir():
                    continue
                parts = info.filename.split("/", 1)
                inner = parts[1] if len(parts) == 2 else parts[0]
                if inner in PINNED_SHA256 and info.file_size <= MAX_ARCHIVE_BYTES:
                    members[inner] = opened.read(info)
            return members
    except (zipfile.BadZipFile, OSError) as error:
        raise BadInputError(f"{where} is not a readable zip ({error})", SOURCE_FIX) from None


def _read_folder(folder: Path, paths: list[str]) -> dict[str, bytes | None]:
    """A folder that holds the pack folders, or the pack folder itself."""
    found: dict[str, bytes | None] = {}
    for path in paths:
        candidates = [folder / path, folder / Path(path).name] if folder.name == path.split("/")[0] else [folder / path]
        found[path] = next((c.read_bytes() for c in candidates if c.is_file()), None)
    return found


def _read_cache(paths: list[str]) -> dict[str, bytes] | None:
    cached: dict[str, bytes] = {}
    for path in paths:
        file = cache_folder() / path
        try:
            data = file.read_bytes()
        except OSError:
            return None
        if not _matches_pin(path, data):
            return None
        cached[path] = data
    return cached


def _write_cache(files: dict[str, bytes]) -> None:
    """Best effort: a cache that cannot be written only means the next run downloads again."""
    for path, data in files.items():
        target = cache_folder() / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except OSError:
            return


def download_archive() -> bytes:
    """The repository zip at the pinned commit over https (or the mirror ASIGNIO_SETUP_STARTER_PACK_URL names)."""
    url = os.environ.get(ARCHIVE_URL_VARIABLE) or DEFAULT_ARCHIVE_URL
    try:
        with httpx.Client(timeout=DOWNLOAD_TIMEOUT_SECONDS, follow_redirects=True) as client:
            response = client.get(url)
    except httpx.HTTPError as error:
        raise ServiceError(
            f"Could not download the starter pack from {url} ({type(error).__name__}) and none is cached",
            f"connect to the internet, or {SOURCE_FIX}",
        ) from None
    if response.status_code != 200 or len(response.content) > MAX_ARCHIVE_BYTES:
        raise ServiceError(
            f"Downloading the starter pack from {url} answered HTTP {response.status_code}",
            f"try again later, or {SOURCE_FIX}",
        )
    return response.content


def load_pinned_files(paths: list[str], source: Path | None) -> dict[str, bytes]:
    """The bytes of pinned repository paths, each checked against its SHA-256, from source or cache/download."""
    if source is None:
        cached = _read_cache(paths)
        if cached is not None:
            return cached
        where = "the downloaded starter pack"
        members = _zip_members(download_archive(), where)
        files = {path: _check(path, members.get(path), where, ServiceError) for path in paths}
        _write_cache(files)
        return files
    found: dict[str, bytes | None]
    if source.is_file():
        try:
            archive = source.read_bytes()
        except OSError as error:
            raise BadInputError(f"Cannot read {source} ({error.strerror})", SOURCE_FIX) from None
        members = _zip_members(archive, str(source))
        found = {path: members.get(path) for path in paths}
    elif source.is_dir():
        found = _read_folder(source, paths)
    else:
        raise BadInputError(f"The starter pack source {source} does not exist", SOURCE_FIX)
    return {path: _check(path, data, str(source), BadInputError) for path, data in found.items()}


_OFFLINE: set[tuple[Path, str]] = set()
"""(cache folder, archive URL) pairs whose download failed in this process: not tried again."""


def pinned_xsd() -> Path | None:
    """The official XSD of the pinned commit from the cache, downloaded there first when missing; None offline.

    A failed download is not retried in the same process, so an offline run waits for the network once.
    """
    folder = cache_folder()
    attempt = (folder, os.environ.get(ARCHIVE_URL_VARIABLE) or DEFAULT_ARCHIVE_URL)
    if _read_cache([XSD_PATH]) is None:
        if attempt in _OFFLINE:
            return None
        try:
            load_pinned_files([XSD_PATH], None)
        except ServiceError:
            _OFFLINE.add(attempt)
            return None
    cached = folder / XSD_PATH
    return cached if cached.is_file() else None
