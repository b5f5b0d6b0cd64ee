"""Graph's documented error answers as the project's errors: what Graph said, the ids support asks for, and absence.

concepts/errors.md: an error is {"error": {"code", "message", "innerError": {"request-id", "date"}}} (spelled
`innererror` in the resource definition); clients branch on `code`, and a 404 means "the requested resource doesn't
exist". B2C's error-code reference names its own not-found codes and gives them no HTTP status (REPORT.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from tests.contract.examples import (
    INVOCATIONS,
    KEY_SET_ID,
    POLICY_TO_READ,
    USER_FLOW_TO_READ,
    policy_xml,
)
from tests.contract.support import (
    Answer,
    LoopbackGraph,
    documented,
    graph_error,
    replays,
)
from wizard.errors import ExitCode, PermissionMissingError, ServiceError, SetupError
from wizard.graph import GraphClient

REQUEST_ID = "0e5e9d55-6d5c-4a43-9a32-34cf1b2c7c6e"
"""A request-id as Graph sends it in the response headers (the doc's example writes the placeholder "request-id")."""

Call = Callable[[GraphClient], Awaitable[object]]
DOCUMENTED_CALLS: dict[str, Call] = {
    "GET /organization": lambda graph: graph.organization(),
    "POST /trustFramework/keySets": lambda graph: graph.create_key_set("keyset1"),
    "PUT /trustFramework/policies/{id}/$value": lambda graph: graph.upload_policy(POLICY_TO_READ, policy_xml()),
}
"""One call of each way the client sends: a read, a create, and a PUT through the translating `call`."""


def mentions(text: str, word: str) -> bool:
    """`word` appears in `text` as itself (Policy.Read.All is not found inside Policy.Read.AllX)."""
    return re.search(rf"(?<![\w.]){re.escape(word)}(?![\w.])", text) is not None


@replays("error_response")
@pytest.mark.parametrize("call", DOCUMENTED_CALLS.values(), ids=DOCUMENTED_CALLS.keys())
async def test_a_documented_error_names_graphs_code_and_message_and_both_request_ids(
    graph_server: LoopbackGraph, graph: GraphClient, call: Call
) -> None:
    """The documented error body with a request-id header: the SetupError raised says Graph's code and message
    (never just "failed") and both ids support asks for: Graph's request-id and the client-request-id sent."""
    doc = documented("error_response")
    error = doc.response.body["error"]
    graph_server.queue(Answer(doc.response.status, {"request-id": REQUEST_ID}, doc.response.body))

    with pytest.raises(SetupError) as raised:
        await call(graph)

    [request] = graph_server.requests
    said = str(raised.value)
    assert error["code"] in said and error["message"] in said
    assert f"request-id {REQUEST_ID}" in said
    assert f"client-request-id {request.header('client-request-id')}" in said


@replays("error_response")
@pytest.mark.parametrize("spelling", ["innerError", "innererror"])
async def test_without_id_headers_the_request_id_comes_from_the_inner_error_in_either_spelling(
    graph_server: LoopbackGraph, graph: GraphClient, spelling: str
) -> None:
    """The example spells it `innerError`, the resource definition `innererror`: with no id headers, the
    request-id in either is the one the error names."""
    doc = documented("error_response")
    body = doc.response.body
    inner = body["error"].pop("innerError")
    body["error"][spelling] = {**inner, "request-id": REQUEST_ID}
    graph_server.queue(Answer(doc.response.status, {}, body))

    with pytest.raises(SetupError) as raised:
        await graph.organization()

    assert f"request-id {REQUEST_ID}" in str(raised.value)


@replays("error_response")
@pytest.mark.parametrize("fixture", sorted(INVOCATIONS))
async def test_a_403_on_any_documented_operation_names_a_permission_its_doc_accepts(
    graph_server: LoopbackGraph, graph: GraphClient, fixture: str
) -> None:
    """A 403 (the documented error shape, code accessDenied) is a PermissionMissingError, exit code 4, naming the
    Graph permission to grant: one that the operation's own doc lists (least privileged or higher) for delegated
    access. The refused request is the documented one (its method), after any the client makes first."""
    doc = documented(fixture)
    invocation = INVOCATIONS[fixture]
    graph_server.queue(
        *invocation.lead_in(),
        graph_error(403, "accessDenied", "The caller doesn't have permission to perform the action."),
    )

    with pytest.raises(PermissionMissingError) as raised:
        await invocation.call(graph)

    assert raised.value.exit_code is ExitCode.PERMISSION
    assert int(raised.value.exit_code) == 4
    assert graph_server.requests[-1].method == doc.request.method
    said = str(raised.value)
    named = [permission for permission in doc.accepted_permissions if mentions(said, permission)]
    assert named, f"{fixture}: the error names none of {doc.accepted_permissions} ({doc.doc}): {said}"


ABSENT_KEY_SET_ANSWERS = {
    "404 itemNotFound": graph_error(404, "itemNotFound", "The resource requested doesn't exist."),
    "404 without Graph JSON": Answer(404, {"Content-Type": "text/html"}, "<html><body>Not Found</body></html>"),
    "400 AADB2C95052": graph_error(
        400,
        "AADB2C95052",
        f"The trustframework key set with id '{KEY_SET_ID}' in tenant "
        "'contoso.onmicrosoft.com' is not created. Please use 'Create api' to create the key "
        "set first.",
    ),
    "400 AADB2C90073": graph_error(
        400,
        "AADB2C90073",
        f"KeyContainer with 'id': '{KEY_SET_ID}' cannot be found in the directory 'contoso.onmicrosoft.com'.",
    ),
}
"""A 404 (by its status alone, even from something that is not Graph), and B2C's own not-found codes with a status
other than 404: the B2C error-code reference gives AADB2C95052 ("… is not created") and AADB2C90073 ("… cannot be
found in the directory …") no HTTP status, so the code must count whatever the status."""


@replays("error_response", "get_key_set")
@pytest.mark.parametrize("answer", ABSENT_KEY_SET_ANSWERS.values(), ids=ABSENT_KEY_SET_ANSWERS.keys())
async def test_a_key_set_graph_says_is_not_there_reads_as_none(
    graph_server: LoopbackGraph, graph: GraphClient, answer: Answer
) -> None:
    """Reading a key set that does not exist yet is how the steps decide to create it: absence is None, not an
    error."""
    graph_server.queue(answer)

    assert await graph.key_set(KEY_SET_ID) is None
    [request] = graph_server.requests
    assert (request.method, request.graph_path) == ("GET", f"/trustFramework/keySets/{KEY_SET_ID}")


@replays("error_response", "get_user_flow", "get_policy_content")
@pytest.mark.parametrize(
    "read",
    [lambda graph: graph.user_flow(USER_FLOW_TO_READ), lambda graph: graph.policy_xml(POLICY_TO_READ)],
    ids=["user flow", "policy"],
)
async def test_a_404_on_reading_a_user_flow_or_a_policy_reads_as_none(
    graph_server: LoopbackGraph, graph: GraphClient, read: Call
) -> None:
    """The other reads the steps make to decide whether to create: 404 ("the requested resource doesn't exist")
    is None."""
    graph_server.queue(graph_error(404, "itemNotFound", "The resource requested doesn't exist."))

    assert await read(graph) is None


@replays("error_response", "get_key_set")
async def test_a_400_with_any_other_code_on_a_key_set_read_is_an_error_not_absence(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """Only "not found" means absent: another refusal of the same read is said, with Graph's code."""
    graph_server.queue(graph_error(400, "invalidRequest", "The request is malformed or incorrect."))

    with pytest.raises(ServiceError) as raised:
        await graph.key_set(KEY_SET_ID)

    assert "invalidRequest" in str(raised.value)
