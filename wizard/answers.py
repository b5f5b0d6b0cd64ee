"""Everything the operator decides, in one strict model, loaded from TOML or filled in by the wizard.

It never holds a secret: secrets come from the OS keyring or from an environment variable named here.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wizard.clouds import Cloud
from wizard.errors import BadInputError

GUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TENANT_LABEL = re.compile(r"^[a-z0-9]{1,26}$")
ONMICROSOFT = ".onmicrosoft.com"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
POLICY_ID_PART = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
EXAMPLE_GUID = "00001111-aaaa-2222-bbbb-3333cccc4444"
DEFAULT_SECRET_ENV = "ASIGNIO_CLIENT_SECRET"
GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"


class Strict(BaseModel):
    """Unknown keys are errors; field docstrings become descriptions."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_assignment=True)


class Pivot(str, Enum):
    """Which of the seed article's two paths to take."""

    USER_FLOW = "user-flow"
    CUSTOM_POLICY = "custom-policy"


class Mfa(str, Enum):
    """Second factor after Asignio."""

    PHONE = "phone"
    OFF = "off"


class SignInMethod(str, Enum):
    """How the tool gets a Graph token for the tenant."""

    DEVICE_CODE = "device-code"
    BROWSER = "browser"
    AZURE_CLI = "azure-cli"
    CLIENT_SECRET = "client-secret"
    ACCESS_TOKEN = "access-token"


def _guid(value: str) -> str:
    if not GUID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a GUID; it looks like {EXAMPLE_GUID}")
    return value.lower()


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (letters, digits, underscore)")
    return value


def _prefixed(value: str, prefix: str) -> str:
    """B2C ids carry a prefix the service adds; accept the name with or without it."""
    name = value[len(prefix) :] if value.upper().startswith(prefix.upper()) else value
    if not POLICY_ID_PART.match(name):
        raise ValueError(f"{value!r} may hold only letters, digits, '_' and '-' after {prefix}")
    return prefix + name


class TenantAnswers(Strict):
    """The B2C tenant to set up."""

    name: str
    """The tenant's name, `contoso` or `contoso.onmicrosoft.com`; stored as the bare lower-case name."""
    cloud: Cloud = Cloud.GLOBAL
    """The national cloud the tenant lives in: global, usgov or china."""

    @field_validator("name", mode="before")
    @classmethod
    def _tenant_name(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        name = value.strip().lower()
        if name.endswith(ONMICROSOFT):
            name = name[: -len(ONMICROSOFT)]
        if not TENANT_LABEL.match(name):
            raise ValueError(
                f"{value!r} is not a tenant name: use the letters and digits before .onmicrosoft.com "
                "(1 to 26 of them, no spaces, dots or hyphens), like 'contoso'"
            )
        return name

    @property
    def domain(self) -> str:
        """The tenant's initial domain, used in TenantId and PublicPolicyUri."""
        return self.name + ONMICROSOFT


class AuthAnswers(Strict):
    """How to sign in to the tenant."""

    method: SignInMethod | None = None
    """device-code, browser, azure-cli, client-secret or access-token; unset means access-token when
    ASIGNIO_SETUP_ACCESS_TOKEN is set, device-code otherwise."""
    client_id: str = GRAPH_CLI_CLIENT_ID
    """The app registration that signs in: Microsoft Graph Command Line Tools by default; your own for client-secret."""
    client_secret_env: str | None = None
    """For client-secret: the environment variable holding that app's secret (else the keyring is asked)."""

    _client_id = field_validator("client_id")(lambda cls, v: _guid(v))
    _client_secret_env = field_validator("client_secret_env")(lambda cls, v: v if v is None else _env_name(v))


class AsignioAnswers(Strict):
    """The Asignio application, as registered on the Asignio Partner Administration site."""

    client_id: str
    """The Client ID Asignio issued (a GUID)."""
    secret_env: str = DEFAULT_SECRET_ENV
    """The environment variable that may hold the Client Secret; otherwise it comes from the OS keyring."""
    display_name: str = Field(default="Asignio", min_length=1, max_length=100)
    """The name users see on the sign-in button."""
    metadata_url: str = "https://authorization.asignio.com/.well-known/openid-configuration"
    """Asignio's OpenID Connect discovery document."""
    domain_hint: str = "https://asignio.com"
    """The domain hint the user-flow identity provider carries (as the seed article gives it)."""

    _client_id = field_validator("client_id")(lambda cls, v: _guid(v))
    _secret_env = field_validator("secret_env")(lambda cls, v: _env_name(v))

    @field_validator("metadata_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"{value!r} must be an https:// URL")
        return value


class SetupAnswers(Strict):
    """Which path and which extras."""

    pivot: Pivot
    """user-flow (a built-in sign-up-or-sign-in flow) or custom-policy (Identity Experience Framework)."""
    mfa: Mfa = Mfa.OFF
    """phone: ask for an SMS or voice code after Asignio; off: Asignio alone."""


class CustomPolicyAnswers(Strict):
    """Names used on the custom-policy path."""

    policy_key: str = "B2C_1A_AsignioSecret"
    """The policy key holding the Asignio Client Secret (the B2C_1A_ prefix is added when missing)."""
    journey_id: str = "AsignioSUSI"
    """The Id of the Asignio user journey in TrustFrameworkExtensions."""
    relying_party: str = "B2C_1A_AsignioSUSI"
    """The relying-party policy's id (the B2C_1A_ prefix is added when missing)."""

    _policy_key = field_validator("policy_key")(lambda cls, v: _prefixed(v, "B2C_1A_"))
    _relying_party = field_validator("relying_party")(lambda cls, v: _prefixed(v, "B2C_1A_"))

    @field_validator("journey_id")
    @classmethod
    def _journey(cls, value: str) -> str:
        if not POLICY_ID_PART.match(value):
            raise ValueError(f"{value!r} may hold only letters, digits, '_' and '-'")
        return value


class UserFlowAnswers(Strict):
    """Names used on the user-flow path."""

    name: str = "B2C_1_AsignioSignupSignin"
    """The sign-up-or-sign-in user flow's id (the B2C_1_ prefix is added when missing)."""

    _name = field_validator("name")(lambda cls, v: _prefixed(v, "B2C_1_"))


class TestAppAnswers(Strict):
    """The app registration used to try the sign-in."""

    display_name: str = Field(default="Asignio test (jwt.ms)", min_length=1, max_length=120)
    """Its display name; the tool finds an existing one by this name before creating."""
    redirect_uri: str = "https://jwt.ms"
    """Where B2C sends the token; jwt.ms decodes it in the browser."""


class Answers(Strict):
    """The whole answers file."""

    tenant: TenantAnswers
    """[tenant]"""
    asignio: AsignioAnswers
    """[asignio]"""
    setup: SetupAnswers
    """[setup]"""
    auth: AuthAnswers = Field(default_factory=AuthAnswers)
    """[auth]"""
    custom_policy: CustomPolicyAnswers = Field(default_factory=CustomPolicyAnswers)
    """[custom_policy]"""
    user_flow: UserFlowAnswers = Field(default_factory=UserFlowAnswers)
    """[user_flow]"""
    test_app: TestAppAnswers = Field(default_factory=TestAppAnswers)
    """[test_app]"""

    def fingerprint(self, *sections: str) -> str:
        """A stable digest of the whole model, or of the named sections, so state can tell what changed."""
        data = self.model_dump(mode="json")
        if sections:
            data = {name: data[name] for name in sections}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def to_toml(self) -> str:
        """The answers as a TOML file for `--non-interactive`, defaults left out, no secrets (there are none)."""
        import tomli_w

        return tomli_w.dumps(self.model_dump(mode="json", exclude_defaults=True, exclude_none=True))


class SignInAnswers(Strict):
    """The part of the answers a sign-in needs, so the wizard can sign in before the rest is asked."""

    tenant: TenantAnswers
    """Which tenant to sign in to."""
    auth: AuthAnswers = Field(default_factory=AuthAnswers)
    """How to sign in."""


def describe_validation_error(error: ValidationError, source: str) -> str:
    """One line per problem, each naming the TOML key, what is wrong and what would be right."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        kind = problem["type"]
        if kind == "extra_forbidden":
            lines.append(f"{source}: {key}: unknown key — remove it or check its spelling (see the README)")
        elif kind == "missing":
            lines.append(f"{source}: {key}: required but missing — add it")
        elif kind == "enum":
            allowed = problem.get("ctx", {}).get("expected", "")
            lines.append(f"{source}: {key} = {problem['input']!r}: not one of the choices — use {allowed}")
        elif kind == "value_error":
            lines.append(f"{source}: {key}: {problem['ctx']['error']}")
        else:
            lines.append(f"{source}: {key} = {problem.get('input')!r}: {problem['msg'].lower()}")
    return "\n".join(lines)


def parse_answers(data: dict[str, Any], source: str = "answers") -> Answers:
    """Validate already-parsed data; raise BadInputError naming every problem."""
    try:
        return Answers.model_validate(data)
    except ValidationError as error:
        raise BadInputError(describe_validation_error(error, source), "fix the answers and run again") from None


def parse_sign_in(data: dict[str, Any], source: str = "answers") -> SignInAnswers:
    """Validate the tenant and auth sections alone; raise BadInputError naming every problem."""
    try:
        return SignInAnswers.model_validate(data)
    except ValidationError as error:
        raise BadInputError(describe_validation_error(error, source), "fix the answers and run again") from None


def load_answers(path: Path) -> Answers:
    """Read and validate an answers TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such answers file", "give the path of an existing TOML file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{path}: cannot be read ({error})", "check the file and its permissions") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadInputError(f"{path}: not valid TOML ({error})", "fix the syntax at that line") from None
    return parse_answers(data, str(path))
