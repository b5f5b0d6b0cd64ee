"""Everything the operator decides, in one strict model, loaded from TOML (wizard.answers_file) or filled in by the
wizard.

It never holds a secret: secrets come from the OS keyring or from an environment variable named here.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wizard.clouds import Cloud
from wizard.errors import BadInputError, shown
from wizard.starter_pack_pins import PACK_NAMES

GUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TENANT_LABEL = re.compile(r"[a-z0-9]{1,26}")
ONMICROSOFT = ".onmicrosoft.com"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
POLICY_ID_PART = re.compile(r"[A-Za-z0-9_-]{1,100}")
POLICY_PREFIX = "B2C_1A_"
POLICY_ID = re.compile(r"(?i:B2C_1A_)[A-Za-z0-9_-]{1,100}")
"""B2C's rule for a custom policy's id: the B2C_1A_ prefix, then letters, digits, '_' and '-'. Policy ids name
files (outputs, backups), so every id read from a file or a tenant is checked against it before it is used."""
DOMAIN_HINT = re.compile(r"(https://)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?/?")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""The hosts Entra accepts a plain-http redirect URI for."""
URL_LIMIT = 2048
REDIRECT_URI_LIMIT = 256
"""Entra's limit on the length of a redirect URI."""
NAME_LIMIT = 256
PATH_LIMIT = 4096
"""Linux's PATH_MAX: no real folder or zip path is longer."""
AUTO_STARTER_PACK = "auto"
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
EXAMPLE_GUID = "00001111-aaaa-2222-bbbb-3333cccc4444"
DEFAULT_SECRET_ENV = "ASIGNIO_CLIENT_SECRET"
DEFAULT_ACCESS_TOKEN_ENV = "ASIGNIO_SETUP_ACCESS_TOKEN"
"""Where a pre-acquired Graph token is looked for unless `[auth] access_token_env` names another variable."""
GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
PROBLEMS_SHOWN = 10
"""An answers file with thousands of problems gets the first few and a count, not a page per key."""


def is_policy_id(text: str) -> bool:
    """Whether `text` follows B2C's rule for a custom policy id (and can therefore name a file)."""
    return POLICY_ID.fullmatch(text) is not None


def control_character(text: str) -> str | None:
    """The first control character in `text` (a tab, a newline, an escape, a bidirectional override...), or None.
    Every answer is one line of plain text; such a character would reach a policy, a URL or the terminal."""
    for character in text:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in BIDI_CONTROLS:
            return character
    return None


class Strict(BaseModel):
    """Unknown keys are errors; no text holds a control character. Each field has a docstring for the reader (not
    made into pydantic descriptions: nothing reads them, and pydantic would find them by parsing the source on every
    start)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return _plain(value)


def _plain(value: Any) -> Any:
    """`value`, unless it is text holding a control character (the error names which, and where)."""
    if isinstance(value, str) and (character := control_character(value)) is not None:
        raise ValueError(
            f"holds the control character U+{ord(character):04X} at position {value.index(character) + 1}: "
            "every answer is one line of plain text, remove it"
        )
    return value


class Pivot(str, Enum):
    """Which of the seed article's two paths to take."""

    USER_FLOW = "user-flow"
    CUSTOM_POLICY = "custom-policy"
    EXTERNAL_ID = "external-id"
    """Entra External ID (an external tenant, tenantType CIAM) instead of Azure AD B2C."""


class Mfa(str, Enum):
    """Second factor after Asignio."""

    PHONE = "phone"
    """An SMS or voice code after Asignio (Azure AD B2C paths)."""
    EMAIL = "email"
    """A one-time code by email after Asignio (external-id path)."""
    SMS = "sms"
    """A one-time code by SMS after Asignio (external-id path; External ID bills SMS as a paid add-on)."""
    OFF = "off"
    """Asignio alone."""


MFA_FOR_PIVOT: dict[Pivot, tuple[Mfa, ...]] = {
    Pivot.USER_FLOW: (Mfa.OFF, Mfa.PHONE),
    Pivot.CUSTOM_POLICY: (Mfa.OFF, Mfa.PHONE),
    Pivot.EXTERNAL_ID: (Mfa.OFF, Mfa.EMAIL, Mfa.SMS),
}
"""The second factors each path offers."""


class SignInMethod(str, Enum):
    """How the tool gets a Graph token for the tenant."""

    DEVICE_CODE = "device-code"
    BROWSER = "browser"
    AZURE_CLI = "azure-cli"
    CLIENT_SECRET = "client-secret"
    ACCESS_TOKEN = "access-token"


def _guid(value: str) -> str:
    if not GUID_PATTERN.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a GUID; it looks like {EXAMPLE_GUID}")
    return value.lower()


def _env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not an environment variable name (letters, digits, underscore; at most 128)"
        )
    return value


def _prefixed(value: str, prefix: str) -> str:
    """B2C ids carry a prefix the service adds; accept the name with or without it."""
    name = value[len(prefix) :] if value.upper().startswith(prefix.upper()) else value
    if not POLICY_ID_PART.fullmatch(name):
        raise ValueError(f"{shown(value)} may hold only letters, digits, '_' and '-' after {prefix} (1 to 100)")
    return prefix + name


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname or " " in value:
        raise ValueError(f"{shown(value)} must be an https:// URL")
    return value


def _discovery_url(value: str) -> str:
    """https, or plain http only to this machine (localhost, 127.0.0.1, [::1]): the tests and the demo serve a
    discovery document there; anywhere else plain http would let the network rewrite the provider's endpoints."""
    parts = urlsplit(value)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    if parts.scheme.lower() == "http" and host in LOOPBACK_HOSTS and " " not in value:
        return value
    try:
        return _https_url(value)
    except ValueError:
        raise ValueError(
            f"{shown(value)} must be an https:// URL (plain http:// only for localhost, 127.0.0.1 or [::1])"
        ) from None


def _redirect_uri(value: str) -> str:
    """As Entra allows for a web app: https, or plain http only to this machine (localhost, 127.0.0.1, [::1])."""
    parts = urlsplit(value)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and host in LOOPBACK_HOSTS):
        raise ValueError(
            f"{shown(value)} must be an https:// URL (plain http:// only for localhost, 127.0.0.1 or [::1]), "
            "as Entra requires of a redirect URI"
        )
    if not host or parts.username is not None or "#" in value or " " in value:
        raise ValueError(
            f"{shown(value)} is not a redirect URI Entra accepts: an absolute URL with a host and no #fragment, "
            "like https://jwt.ms"
        )
    return value


class TenantAnswers(Strict):
    """The B2C tenant to set up."""

    name: str = Field(max_length=NAME_LIMIT)
    """The tenant's name, `contoso` or `contoso.onmicrosoft.com`; stored as the bare lower-case name."""
    cloud: Cloud = Cloud.GLOBAL
    """The national cloud the tenant lives in: global, usgov or china."""

    @field_validator("name", mode="before")
    @classmethod
    def _tenant_name(cls, value: Any) -> Any:
        if not isinstance(_plain(value), str):
            return value
        name = value.strip().lower()
        if name.endswith(ONMICROSOFT):
            name = name[: -len(ONMICROSOFT)]
        if not TENANT_LABEL.fullmatch(name):
            raise ValueError(
                f"{shown(value)} is not a tenant name: use the letters and digits before .onmicrosoft.com "
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
    """device-code, browser, azure-cli, client-secret or access-token; unset means access-token when the variable
    access_token_env names is set, device-code otherwise."""
    client_id: str = Field(default=GRAPH_CLI_CLIENT_ID, max_length=NAME_LIMIT)
    """The app registration that signs in: Microsoft Graph Command Line Tools by default; your own for client-secret."""
    client_secret_env: str | None = Field(default=None, max_length=NAME_LIMIT)
    """For client-secret: the environment variable holding that app's secret (else the keyring is asked)."""
    access_token_env: str = Field(default=DEFAULT_ACCESS_TOKEN_ENV, max_length=NAME_LIMIT)
    """For access-token: the environment variable holding this tenant's Graph token (a name, never the token), so
    several answers files run at once can each sign in to their own tenant."""

    _client_id = field_validator("client_id")(lambda cls, v: _guid(v))
    _client_secret_env = field_validator("client_secret_env")(lambda cls, v: v if v is None else _env_name(v))
    _access_token_env = field_validator("access_token_env")(lambda cls, v: _env_name(v))


class AsignioAnswers(Strict):
    """The Asignio application, as registered on the Asignio Partner Administration site."""

    client_id: str = Field(max_length=NAME_LIMIT)
    """The Client ID Asignio issued (a GUID)."""
    secret_env: str = Field(default=DEFAULT_SECRET_ENV, max_length=NAME_LIMIT)
    """The environment variable that may hold the Client Secret; otherwise it comes from the OS keyring."""
    display_name: str = Field(default="Asignio", min_length=1, max_length=100)
    """The name users see on the sign-in button."""
    metadata_url: str = Field(
        default="https://authorization.asignio.com/.well-known/openid-configuration", max_length=URL_LIMIT
    )
    """Asignio's OpenID Connect discovery document: https, or http to this machine only (a local test server)."""
    domain_hint: str = Field(default="https://asignio.com", max_length=NAME_LIMIT)
    """The domain hint the user-flow identity provider carries (as the seed article gives it): a domain name,
    optionally as an https:// URL."""

    _client_id = field_validator("client_id")(lambda cls, v: _guid(v))
    _secret_env = field_validator("secret_env")(lambda cls, v: _env_name(v))
    _metadata_url = field_validator("metadata_url")(lambda cls, v: _discovery_url(v))

    @field_validator("domain_hint")
    @classmethod
    def _domain_hint(cls, value: str) -> str:
        if not DOMAIN_HINT.fullmatch(value):
            raise ValueError(
                f"{shown(value)} is not a domain hint: give a domain name such as asignio.com "
                "(or https://asignio.com, as the Asignio article does)"
            )
        return value


class SetupAnswers(Strict):
    """Which path and which extras."""

    pivot: Pivot
    """user-flow (a built-in sign-up-or-sign-in flow) or custom-policy (Identity Experience Framework) in an
    Azure AD B2C tenant, or external-id (a sign-up/sign-in flow in an Entra External ID tenant)."""
    mfa: Mfa = Mfa.OFF
    """The second factor after Asignio: off, or phone on the B2C paths, or email or sms on the external-id path."""

    @model_validator(mode="after")
    def _mfa_the_path_offers(self) -> SetupAnswers:
        offered = MFA_FOR_PIVOT[self.pivot]
        if self.mfa not in offered:
            choices = " or ".join(repr(mfa.value) for mfa in offered)
            raise ValueError(
                f"mfa = {self.mfa.value!r} is not offered on the {self.pivot.value} path: set [setup] mfa = {choices}"
            )
        return self


class CustomPolicyAnswers(Strict):
    """Names used on the custom-policy path."""

    policy_key: str = Field(default="B2C_1A_AsignioSecret", max_length=NAME_LIMIT)
    """The policy key holding the Asignio Client Secret (the B2C_1A_ prefix is added when missing)."""
    journey_id: str = Field(default="AsignioSUSI", max_length=NAME_LIMIT)
    """The Id of the Asignio user journey in TrustFrameworkExtensions."""
    relying_party: str = Field(default="B2C_1A_AsignioSUSI", max_length=NAME_LIMIT)
    """The relying-party policy's id (the B2C_1A_ prefix is added when missing)."""
    starter_pack: str = Field(default=AUTO_STARTER_PACK, max_length=NAME_LIMIT)
    """Which Microsoft starter pack an empty tenant gets: auto (SocialAndLocalAccountsWithMfa with mfa = "phone",
    else SocialAndLocalAccounts) or one of SocialAccounts, SocialAndLocalAccounts, SocialAndLocalAccountsWithMfa."""
    starter_pack_source: str | None = Field(default=None, min_length=1, max_length=PATH_LIMIT)
    """A folder holding the pack folders, or the repository zip, to read the pinned pack from instead of
    downloading it (offline machines); its files must match the pinned SHA-256."""
    include_sample_policies: bool = False
    """Also upload the pack's sample relying parties (B2C_1A_signup_signin, ProfileEdit, PasswordReset)."""

    _policy_key = field_validator("policy_key")(lambda cls, v: _prefixed(v, POLICY_PREFIX))
    _relying_party = field_validator("relying_party")(lambda cls, v: _prefixed(v, POLICY_PREFIX))

    @field_validator("journey_id")
    @classmethod
    def _journey(cls, value: str) -> str:
        if not POLICY_ID_PART.fullmatch(value):
            raise ValueError(f"{shown(value)} may hold only letters, digits, '_' and '-' (1 to 100)")
        return value

    @field_validator("starter_pack")
    @classmethod
    def _starter_pack(cls, value: str) -> str:
        if value != AUTO_STARTER_PACK and value not in PACK_NAMES:
            raise ValueError(f"{shown(value)} is not a starter pack: use auto or one of {', '.join(PACK_NAMES)}")
        return value

    def starter_pack_path(self) -> Path | None:
        """starter_pack_source as a path (~ expanded), or None to use the cache or download."""
        return Path(self.starter_pack_source).expanduser() if self.starter_pack_source else None


class UserFlowAnswers(Strict):
    """Names used on the user-flow path."""

    name: str = Field(default="B2C_1_AsignioSignupSignin", max_length=NAME_LIMIT)
    """The sign-up-or-sign-in user flow's id (the B2C_1_ prefix is added when missing)."""

    _name = field_validator("name")(lambda cls, v: _prefixed(v, "B2C_1_"))


class ExternalIdAnswers(Strict):
    """Names and choices used on the external-id path (an Entra External ID tenant)."""

    flow_name: str = Field(default="Asignio sign-up and sign-in", min_length=1, max_length=NAME_LIMIT)
    """The sign-up/sign-in user flow's display name; the tool finds an existing one by this name before creating."""
    email_sign_in: bool = True
    """Keep email sign-in (password or one-time code) offered beside Asignio in the flow; false offers Asignio only."""
    mfa_report_only: bool = False
    """Create the Conditional Access policy that asks for MFA in report-only mode first, to watch before enforcing."""


class TestAppAnswers(Strict):
    """The app registration used to try the sign-in."""

    display_name: str = Field(default="Asignio test (jwt.ms)", min_length=1, max_length=120)
    """Its display name; the tool finds an existing one by this name before creating."""
    redirect_uri: str = Field(default="https://jwt.ms", max_length=REDIRECT_URI_LIMIT)
    """Where B2C sends the token; jwt.ms decodes it in the browser. https, or http to localhost only."""

    _redirect_uri = field_validator("redirect_uri")(lambda cls, v: _redirect_uri(v))


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
    external_id: ExternalIdAnswers = Field(default_factory=ExternalIdAnswers)
    """[external_id]"""
    test_app: TestAppAnswers = Field(default_factory=TestAppAnswers)
    """[test_app]"""

    def starter_pack_name(self) -> str:
        """The starter pack to install: the one named, or for auto the one matching the MFA answer."""
        chosen = self.custom_policy.starter_pack
        if chosen != AUTO_STARTER_PACK:
            return chosen
        return "SocialAndLocalAccountsWithMfa" if self.setup.mfa is Mfa.PHONE else "SocialAndLocalAccounts"

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
    """One line per problem (the first few of many, then a count), each naming the TOML key, what is wrong and what
    would be right; values are quoted cut short."""
    lines = []
    for problem in error.errors(include_url=False)[:PROBLEMS_SHOWN]:
        key = shown(".".join(str(part) for part in problem["loc"]))[1:-1]
        kind = problem["type"]
        if kind == "extra_forbidden":
            lines.append(f"{source}: {key}: unknown key — remove it or check its spelling (see the README)")
        elif kind == "missing":
            lines.append(f"{source}: {key}: required but missing — add it")
        elif kind == "enum":
            allowed = problem.get("ctx", {}).get("expected", "")
            lines.append(f"{source}: {key} = {shown(problem['input'])}: not one of the choices — use {allowed}")
        elif kind == "value_error":
            lines.append(f"{source}: {key}: {problem['ctx']['error']}")
        else:
            lines.append(f"{source}: {key} = {shown(problem.get('input'))}: {problem['msg'].lower()}")
    more = error.error_count() - PROBLEMS_SHOWN
    if more > 0:
        lines.append(f"{source}: … and {more:,} more problems")
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
