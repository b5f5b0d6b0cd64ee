"""What every resource group's endpoints share: a request and its answer, Graph's errors, the route table's rows,
paging and $filter as Graph does them, and reads that honour replication lag."""

from __future__ import annotations

import base64
import binascii
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from wizard import clock
from wizard.simulator.tenant import CREATED, SimulatedTenant, new_id, settled

ODATA_PREFIX = "#microsoft.graph."
FILTER_CLAUSE = r"(\w+)\s+eq\s+'((?:[^']|'')*)'"
FILTER = re.compile(rf"^\s*{FILTER_CLAUSE}(?:\s+and\s+{FILTER_CLAUSE})*\s*$", re.IGNORECASE)
NOT_FOUND = "Request_ResourceNotFound"
"""Graph's code for a directory object that is absent or not replicated yet."""
B2C_NOT_FOUND = "AADB2C90073"
"""B2C's "{0} with '{1}': '{2}' cannot be found in the directory '{3}'." (B2C error-code reference); public
threads and tools show it for a missing key container, and it is the missing-base-policy upload text. Its HTTP
status is not documented: answered as 404 here (tests/contract/REPORT.md section 4)."""
SEGMENT = r"([^/]+)"
"""One path segment of a route, captured: an id or a name."""


class GraphError(Exception):
    """An error response as Graph sends it."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphRequest:
    """One request, parsed: `path` without /beta, `base_url` the absolute root nextLinks start with."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str = "http://127.0.0.1/beta"
    permissions: frozenset[str] = frozenset()

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None
        if not isinstance(data, dict):
            raise GraphError(400, "BadRequest", "The request payload must be a JSON object.")
        return data

    def prefers(self, preference: str) -> bool:
        """Whether the Prefer header (a comma-separated list) holds `preference`."""
        values = self.headers.get("prefer", "").split(",")
        return preference.lower() in (value.strip().lower() for value in values)


@dataclass(frozen=True)
class GraphResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: Any) -> GraphResponse:
    return GraphResponse(status, json.dumps(data).encode())


def public(entity: dict[str, Any]) -> dict[str, Any]:
    """What Graph shows of a stored entity: internal bookkeeping (keys starting with '_') left out."""
    return {key: value for key, value in entity.items() if not key.startswith("_")}


def b2c_not_found(kind: str, key: str, identifier: str, domain: str) -> GraphError:
    return GraphError(
        404, B2C_NOT_FOUND, f"{kind} with '{key}': '{identifier}' cannot be found in the directory '{domain}'."
    )


def not_found(what: str, identifier: str) -> GraphError:
    return GraphError(
        404,
        NOT_FOUND,
        f"Resource '{identifier}' does not exist or one of its queried reference-property objects are not present. ({what})",
    )


def unquote_literal(value: str) -> str:
    """An OData string literal's value: `''` inside it is one quote."""
    return value.replace("''", "'")


def odata_type(value: Any) -> str | None:
    """Requests may name the type with or without '#' (the create example has none); stored with it."""
    if not isinstance(value, str):
        return None
    kind = value if value.startswith("#") else "#" + value
    return kind if kind.startswith(ODATA_PREFIX) else None


def parse_filter(expression: str) -> list[tuple[str, str]]:
    """The `field eq 'value'` clauses (joined by `and`) the facade sends; anything else is a 400, as Graph says."""
    if not FILTER.match(expression):
        raise GraphError(
            400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause specified: '{expression}'."
        )
    return [(name, unquote_literal(value)) for name, value in re.findall(FILTER_CLAUSE, expression, re.IGNORECASE)]


def _matches(item: dict[str, Any], name: str, value: str) -> bool:
    """Directory queries compare strings case-insensitively (property names too); null equals nothing."""
    stored = next((item[key] for key in item if key.lower() == name.lower()), None)
    return stored is not None and str(stored).lower() == value.lower()


def _skiptoken(offset: int) -> str:
    """Opaque to the client, as Graph's are; only the simulator reads it back."""
    return base64.urlsafe_b64encode(f"simulator-page:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix == "simulator-page" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise GraphError(400, "BadRequest", f"Invalid $skiptoken '{token}'.")


def _top(request: GraphRequest) -> int | None:
    if "$top" not in request.query:
        return None
    raw = request.query["$top"]
    if not raw.isdigit() or int(raw) < 1:
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for $top.")
    return int(raw)


def next_link(request: GraphRequest, offset: int) -> str:
    """The absolute URL of the page at `offset`: the same path and query, with a $skiptoken."""
    query = {name: value for name, value in request.query.items() if name != "$skiptoken"}
    query["$skiptoken"] = _skiptoken(offset)
    path = quote(request.path, safe="/()='$,")
    return f"{request.base_url}{path}?{urlencode(query, quote_via=quote, safe='$')}"


def collection(
    request: GraphRequest, entities: Iterable[dict[str, Any]], page_size: int | None = None, context: str | None = None
) -> GraphResponse:
    """A `{value: [...]}` page: $filter first, then one page (at most `page_size` and $top items) with an
    `@odata.nextLink` while more remain, then $select on what is shown. `context` is the collection's
    `@odata.context` as its list page shows it; `$count=true` adds `@odata.count` (all the matches) to the first
    page (concepts/paging.md)."""
    items = [public(entity) for entity in entities]
    if "$filter" in request.query:
        clauses = parse_filter(request.query["$filter"])
        items = [item for item in items if all(_matches(item, name, value) for name, value in clauses)]
    limits = [limit for limit in (page_size, _top(request)) if limit is not None]
    offset = _offset(request.query["$skiptoken"]) if "$skiptoken" in request.query else 0
    end = offset + min(limits) if limits else len(items)
    page = items[offset:end]
    if "$select" in request.query:
        wanted = {name.strip() for name in request.query["$select"].split(",")} | {"id", "@odata.type"}
        page = [{key: value for key, value in item.items() if key in wanted} for item in page]
    body: dict[str, Any] = {} if context is None else {"@odata.context": context}
    if request.query.get("$count", "").lower() == "true" and offset == 0:
        body["@odata.count"] = len(items)
    body["value"] = page
    if end < len(items):
        body["@odata.nextLink"] = next_link(request, end)
    return json_response(200, body)


def merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """PATCH semantics for the properties the facade updates: nested objects merge, the rest replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


Handler = Callable[[GraphRequest, re.Match[str]], GraphResponse]


@dataclass(frozen=True)
class Route:
    """`permission` None: any delegated permission will do (the handler decides what the caller sees)."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    permission: str | None


def routes(table: Iterable[tuple[str, str, Handler, str | None]]) -> list[Route]:
    """A route table section: (method, path pattern, handler, permission) rows, each pattern the whole path."""
    return [
        Route(method, re.compile(f"^{pattern}$", re.IGNORECASE), handler, permission)
        for method, pattern, handler, permission in table
    ]


def find_route(table: Iterable[Route], method: str, path: str) -> tuple[Route, re.Match[str]]:
    """The route for a path (already stripped of /beta and with `//` collapsed): Graph's 405 when only another method
    has one, its 400 when no route has the path."""
    matched_path = False
    for route in table:
        match = route.pattern.match(path)
        if match:
            if route.method == method:
                return route, match
            matched_path = True
    if matched_path:
        raise GraphError(405, "Request_BadRequest", f"The HTTP method '{method}' is not allowed on this resource.")
    last = path.rstrip("/").rsplit("/", 1)[-1]
    raise GraphError(400, "BadRequest", f"Resource not found for the segment '{last}'.")


@dataclass
class Knobs:
    """How a tenant is served, set by the server at any time and read on the next request: `page_size` (None: no
    paging), `replication_lag` (seconds a new object stays invisible to reads and references), `upsert_supported`
    (False: alternate-key PATCH answers 400) and `consent_allowed` (False: a consent grant answers 403)."""

    page_size: int | None = None
    replication_lag: float = 0.0
    upsert_supported: bool = True
    consent_allowed: bool = True


class ResourceGroup(ABC):
    """One resource group's endpoints over the tenant (a module each, as the client has its calls): its section of
    the route table, and what every group reads the tenant with. The caller holds the tenant lock."""

    def __init__(self, tenant: SimulatedTenant, knobs: Knobs) -> None:
        self.tenant = tenant
        self.knobs = knobs

    @abstractmethod
    def routes(self) -> list[Route]:
        """This group's section of the route table."""

    # Replication lag, paging and lookups

    def _settled(self, entity: dict[str, Any]) -> bool:
        return settled(entity, self.knobs.replication_lag)

    def _visible(self, entities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """What a read sees: objects still replicating are left out of lists and $filter results."""
        return [entity for entity in entities if self._settled(entity)]

    def _page(
        self, request: GraphRequest, entities: Iterable[dict[str, Any]], context: str | None = None
    ) -> GraphResponse:
        return collection(request, entities, self.knobs.page_size, context)

    @staticmethod
    def _stamped(entity: dict[str, Any]) -> dict[str, Any]:
        """`entity` with its creation time, from which the lag is counted (saved with the tenant)."""
        entity[CREATED] = clock.now().timestamp()
        return entity

    def _object(self, store: dict[str, dict[str, Any]], what: str, identifier: str) -> dict[str, Any]:
        """An object a read or a write by id may see: absent or still replicating is 404."""
        entity = store.get(identifier)
        if entity is None or not self._settled(entity):
            raise not_found(what, identifier)
        return entity

    def _by(self, store: dict[str, dict[str, Any]], name: str, value: str) -> dict[str, Any] | None:
        """The object whose `name` is `value` (case-insensitively, as the directory compares), replicated or not."""
        return next((e for e in store.values() if str(e.get(name) or "").lower() == value.lower()), None)

    def _visible_by(self, store: dict[str, dict[str, Any]], what: str, name: str, value: str) -> dict[str, Any]:
        entity = self._by(store, name, value)
        if entity is None or not self._settled(entity):
            raise not_found(what, f"{name}='{value}'")
        return entity

    @staticmethod
    def _new_id() -> str:
        """A new object's id (a test that shows them fixes them by patching this module's `new_id`)."""
        return new_id()
