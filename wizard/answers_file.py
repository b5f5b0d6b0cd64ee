"""An answers file read for a command: validated into the answers model, and every secret it points at made known
to the scrubber before the command can meet a server that quotes one back.

Apart from the model (wizard.answers) because remembering the secrets reads the keyring (wizard.secrets), which
itself reads the model: the model stays below both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from wizard.answers import Answers, parse_answers
from wizard.errors import BadInputError
from wizard.files import ANSWERS_FILE_LIMIT, read_regular_file
from wizard.secrets import remember_answers_secrets


def load_answers(path: Path) -> Answers:
    """Read and validate an answers TOML file: a regular file of at most 1 MB, UTF-8 (a BOM is allowed). Every
    command reads its answers here, so here the secrets they point at become known to the scrubber
    (`remember_answers_secrets`) before the command can meet a server that quotes one back."""
    data = read_regular_file(path, limit=ANSWERS_FILE_LIMIT, role="answers file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(
            f"{path}: not UTF-8 text (byte {error.start + 1} is not)", "save the answers file as UTF-8"
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadInputError(f"{path}: not valid TOML ({error})", "fix the syntax at that line") from None
    except RecursionError:
        raise BadInputError(
            f"{path}: arrays or tables nested too deeply to read", "an answers file has plain keys: see the README"
        ) from None
    answers = parse_answers(parsed, str(path))
    remember_answers_secrets(answers)
    return answers
