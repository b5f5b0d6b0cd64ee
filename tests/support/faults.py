"""What a real tenant, its gateway or the network may do to a client, put into a simulator through its one fault hook
(`SimulatorServer.faults`, wizard/simulator/server.py): throttling, failures, dropped connections, lost answers,
refusals that echo what was sent, a stall after the n-th write, a policy B2C refuses or serves late. The shipped
simulator has none of these; `faults_of(server)` puts them into a server (the demo's too) on first use.

A new fault is a method here that records what to do, and a few lines in `Faults.intercept` that do it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from wizard.simulator import SimulatorServer
from wizard.simulator.endpoints import GraphError, GraphResponse
from wizard.simulator.login import metadata_policy, not_served
from wizard.simulator.server import Exchange, FaultHook

FAULT_CODES = {
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "The gateway received an invalid response."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time."),
}
POLICY_UPLOAD = re.compile(r"^/trustFramework/policies/([^/]+)/\$value$", re.IGNORECASE)


@dataclass
class _Fault:
    kind: str
    remaining: int
    writes_only: bool
    status: int = 0
    retry_after: int | None = None
    echoed: str = ""

    def error(self) -> GraphError:
        if self.kind == "throttle":
            return GraphError(
                429,
                "TooManyRequests",
                "Too many requests. Please try again later.",
                {"Retry-After": str(self.retry_after)},
            )
        code, message = FAULT_CODES.get(self.status, ("BadRequest", "The request failed (simulated)."))
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return GraphError(self.status, code, message, headers)


def faults_of(server: SimulatorServer) -> Faults:
    """The server's faults: put into it the first time, the same ones after. Requests already under way when they
    are put in are not held, counted or failed by them."""
    faults = server.faults
    if not isinstance(faults, Faults):
        faults = server.faults = Faults(server)
    return faults


class Faults(FaultHook):
    """Faults for one server, each set at any time and in effect from the next request, for every tenant it holds.
    Sign-in host requests meet only `delay_serving`; Graph requests meet the rest."""

    def __init__(self, server: SimulatorServer) -> None:
        self._server = server
        self._lock = threading.Condition()
        self._faults: list[_Fault] = []
        self._refused_policies: set[str] = set()
        self._not_serving: dict[str, int] = {}
        self._in_flight: set[Exchange] = set()
        self._held = 0
        self._successful_writes = 0
        self._stall_at: int | None = None
        self._stalled = threading.Event()
        self._released = threading.Event()

    # Policies

    def refuse_policy(self, policy_id: str) -> None:
        """B2C's validation refuses every upload of `policy_id` from now on (a policy the tenant cannot host), as the
        WithMfa pack's sample relying parties have been reported to be refused (starter-pack issues #144, #147)."""
        with self._lock:
            self._refused_policies.add(policy_id.lower())

    def accept_policy(self, policy_id: str) -> None:
        """B2C takes uploads of `policy_id` again (the operator fixed what made it refuse them)."""
        with self._lock:
            self._refused_policies.discard(policy_id.lower())

    def delay_serving(self, policy_id: str, requests: int) -> None:
        """B2C answers the next `requests` metadata requests for `policy_id` as for a policy it does not serve yet."""
        with self._lock:
            self._not_serving[policy_id.lower()] = requests

    # Failures

    def throttle(self, count: int = 1, *, retry_after: int = 1, writes_only: bool = False) -> None:
        """Answer the next `count` requests with 429 and a Retry-After of `retry_after` seconds."""
        self._add(_Fault("throttle", count, writes_only, 429, retry_after))

    def fail(
        self, count: int = 1, *, status: int = 503, writes_only: bool = False, retry_after: int | None = None
    ) -> None:
        """Answer the next `count` requests with `status` (503, 504, or any error), before touching the tenant;
        with `retry_after`, the answers carry that Retry-After as Graph's 503s often do."""
        if not 400 <= status < 600:
            raise ValueError(f"{status} is not an error status")
        self._add(_Fault("fail", count, writes_only, status, retry_after))

    def lose_answers(self, count: int = 1, *, status: int = 504, writes_only: bool = True) -> None:
        """Carry out the next `count` requests, then answer them with `status` instead of their result, as a
        gateway that timed out after the service did the work: a create answered 504 may well exist."""
        if not 400 <= status < 600:
            raise ValueError(f"{status} is not an error status")
        self._add(_Fault("lose", count, writes_only, status))

    def echo_refusals(self, count: int = 1, *, writes_only: bool = True, message: str = "") -> None:
        """Refuse the next `count` requests with a 400 whose message quotes what the client sent (its body and its
        bearer token, without the "Bearer" that would give it away) after `message`, as a careless service or proxy
        does: what a client shows of a server's words must not carry its own secrets."""
        self._add(_Fault("echo", count, writes_only, 400, echoed=message))

    def drop(self, count: int = 1, *, writes_only: bool = False) -> None:
        """Close the connection of the next `count` requests without answering (and without acting)."""
        self._add(_Fault("drop", count, writes_only))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # The stall, and waiting on the server (tests wait on these, never on a clock)

    def stall_after_writes(self, count: int) -> None:
        """Once the `count`-th successful write from now has been answered, hold every later request until release()."""
        with self._lock:
            self._stall_at = self._successful_writes + count
            self._stalled.clear()
            self._released.clear()

    def release(self) -> None:
        """Let held requests go on; those whose client has hung up meanwhile (or the server stopped) are dropped."""
        with self._lock:
            self._stall_at = None
            self._stalled.clear()
            self._released.set()

    def wait_until_stalled(self, timeout: float | None = None) -> bool:
        return self._stalled.wait(timeout)

    def wait_until_holding(self, count: int, timeout: float | None = None) -> bool:
        """True once `count` requests are held by the stall."""
        with self._lock:
            return self._lock.wait_for(lambda: self._held >= count, timeout)

    def wait_until_logged(self, count: int, timeout: float | None = None) -> bool:
        """True once the server's log holds `count` requests, answered or dropped."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._server.log) >= count, timeout)

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """True once no request is being answered: what a client that is gone had sent has been carried out (or
        dropped), so a test's next run meets the tenant as that client left it."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._in_flight, timeout)

    # The hook

    def intercept(self, exchange: Exchange, carry_out: Callable[[], GraphResponse]) -> GraphResponse | None:
        with self._lock:
            self._in_flight.add(exchange)
        if exchange.host == "sign-in":
            return self._late(exchange) or carry_out()
        if self._stalled.is_set():
            self._hold()
            if exchange.client_gone():
                return None
        fault = self._take(exchange.is_write)
        if fault is None:
            return self._served(exchange, carry_out)
        if fault.kind == "drop":
            return None
        if fault.kind == "echo":
            token = exchange.headers.get("authorization", "").removeprefix("Bearer ")
            sent = exchange.body.decode("utf-8", "replace")
            raise GraphError(400, "Request_BadRequest", f"{fault.echoed}Invalid request {sent} with token {token}")
        if fault.kind == "lose":
            self._served(exchange, carry_out)
        raise fault.error()

    def finished(self, exchange: Exchange, status: int) -> None:
        with self._lock:
            self._in_flight.discard(exchange)
            if exchange.host == "graph" and exchange.is_write and 200 <= status < 300:
                self._successful_writes += 1
                if self._stall_at is not None and self._successful_writes >= self._stall_at:
                    self._stalled.set()
            self._lock.notify_all()

    def stopping(self) -> None:
        self.release()

    def _served(self, exchange: Exchange, carry_out: Callable[[], GraphResponse]) -> GraphResponse:
        """The request carried out, unless it uploads a policy B2C is to refuse."""
        upload = POLICY_UPLOAD.match(exchange.path) if exchange.method == "PUT" else None
        with self._lock:
            refused = upload is not None and upload.group(1).lower() in self._refused_policies
        if upload is not None and refused and exchange.tenant is not None:
            raise GraphError(
                400,
                "AADB2C",
                f'Validation failed: 1 validation error(s) found in policy "{upload.group(1).upper()}" of tenant '
                f'"{exchange.tenant.domain}".The policy is not valid in this tenant.',
            )
        return carry_out()

    def _late(self, exchange: Exchange) -> GraphResponse | None:
        """B2C's "no such policy" for the metadata of a policy it is not to serve yet; None for any other request."""
        if exchange.tenant is None or exchange.method != "GET":
            return None
        policy = metadata_policy(exchange.tenant, exchange.path.split("/")[1:], exchange.query)
        with self._lock:
            waiting = self._not_serving.get((policy or "").lower(), 0)
            if policy is None or waiting < 1:
                return None
            self._not_serving[policy.lower()] = waiting - 1
        return not_served(exchange.tenant, policy)

    def _add(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault needs a count of at least 1")
        with self._lock:
            self._faults.append(fault)

    def _take(self, is_write: bool) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if is_write or not fault.writes_only:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _hold(self) -> None:
        with self._lock:
            self._held += 1
            self._lock.notify_all()
        self._released.wait()
        with self._lock:
            self._held -= 1
