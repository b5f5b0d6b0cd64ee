"""The answers as the wizard collects them, screen by screen, typed; `answers()` makes the strict model."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.answers import Answers, SignInAnswers


@dataclass
class Draft:
    """What the operator has told the wizard so far. Plain strings (the enums' values), so the welcome screen can
    build one before the answers model (pydantic) is imported; the model checks them in `answers()`."""

    tenant_name: str = ""
    """The tenant's name as typed (bare, or with .onmicrosoft.com)."""
    cloud: str = "global"
    """The national cloud (`[tenant] cloud`)."""
    sign_in_method: str | None = None
    """`[auth] method`; None lets the answers model choose."""
    client_id: str = ""
    """The Asignio Client ID."""
    pivot: str | None = None
    """The path, once chosen."""
    mfa: str = "off"
    """`[setup] mfa`."""
    unasked: dict[str, Any] = field(default_factory=dict)
    """Answers the wizard does not ask (a resumed run's, defaults left out), kept as they were."""

    @classmethod
    def from_answers(cls, answers: Answers) -> Draft:
        """A saved run's answers as the draft, so a resume asks only for the secret."""
        data = answers.model_dump(mode="json", exclude_defaults=True)
        return cls(
            tenant_name=answers.tenant.name,
            cloud=answers.tenant.cloud.value,
            sign_in_method=answers.auth.method.value if answers.auth.method else None,
            client_id=answers.asignio.client_id,
            pivot=answers.setup.pivot.value,
            mfa=answers.setup.mfa.value,
            unasked=data,
        )

    def sign_in_answers(self) -> SignInAnswers:
        """The tenant and the sign-in method alone: all a sign-in needs."""
        from wizard.answers import parse_sign_in

        data = self._data()
        return parse_sign_in({"tenant": data["tenant"], "auth": data["auth"]}, "the wizard's answers")

    def answers(self) -> Answers:
        """The strict answers model; raises BadInputError naming what is wrong or still missing."""
        from wizard.answers import parse_answers

        return parse_answers(self._data(), "the wizard's answers")

    def _data(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = copy.deepcopy(self.unasked)
        data.setdefault("tenant", {}).update(name=self.tenant_name, cloud=self.cloud)
        auth = data.setdefault("auth", {})
        if self.sign_in_method is not None:
            auth["method"] = self.sign_in_method
        data.setdefault("asignio", {})["client_id"] = self.client_id
        setup = data.setdefault("setup", {})
        setup["mfa"] = self.mfa
        if self.pivot is not None:
            setup["pivot"] = self.pivot
        return data
