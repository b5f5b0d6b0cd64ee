"""B2C's trust framework as documented: policy key sets, their secrets, and custom policies (Graph beta)."""

from __future__ import annotations

import pytest

from tests.contract.examples import (
    KEY_SET_ID,
    POLICY_TO_READ,
    POLICY_TO_UPLOAD,
    SIG,
    policy_xml,
)
from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    media_type,
    replays,
)
from wizard.graph import GraphClient


@replays("get_key_set")
async def test_reading_a_key_set_gets_it_by_id_and_parses_its_keys_with_numeric_dates(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """trustframeworkkeyset-get.md: GET /trustFramework/keySets/{id}. Its example's key has nbf/exp as numbers (99),
    unlike uploadSecret's strings, and every JWK member (k, d, p, …), which the model must take without choking."""
    doc = documented("get_key_set")
    graph_server.queue(Answer.of(doc))

    key_set = await graph.key_set(KEY_SET_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc, {"id": KEY_SET_ID}))
    assert request.body == b""
    assert key_set is not None
    assert key_set.id == doc.response.body["id"]
    [documented_key] = doc.response.body["keys"]
    [key] = key_set.keys
    assert (key.kid, key.use, key.kty) == (documented_key["kid"], documented_key["use"], documented_key["kty"])
    assert (key.nbf, key.exp) == (documented_key["nbf"], documented_key["exp"]) == (99, 99)


@replays("create_key_set")
@pytest.mark.parametrize("asked_for", ["keyset1", "B2C_1A_keyset1"])
async def test_creating_a_key_set_posts_the_bare_id_and_takes_back_the_prefixed_one(
    graph_server: LoopbackGraph, graph: GraphClient, asked_for: str
) -> None:
    """trustframework-post-keysets.md: POST /trustFramework/keySets with {"id": "keyset1"}; the service adds the
    B2C_1A_ prefix and answers 201 with the set as `B2C_1A_keyset1`. So the client sends the id without the prefix,
    however it was asked, and the body is exactly the doc's: `id` is the only key the example sends."""
    doc = documented("create_key_set")
    graph_server.queue(Answer.of(doc))

    created = await graph.create_key_set(asked_for)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert_body_keys(request.json(), doc.request.body, known_from=[doc.response.body])
    assert request.json() == doc.request.body
    assert created.id == doc.response.body["id"] == "B2C_1A_keyset1"
    assert created.keys == ()


@replays("upload_secret")
async def test_uploading_a_secret_posts_int64_dates_and_parses_oct_with_string_dates(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """trustframeworkkeyset-uploadsecret.md: POST …/keySets/{id}/uploadSecret with use, k, nbf, exp (nbf/exp
    Int64 numbers); 200 with the key, whose example has kty "OCT" in capitals and nbf/exp as numeric strings. Both
    must parse: a Key that is_kind("oct", "sig") with int dates equal to the strings. The doc's "use-value" is a
    placeholder for the use the request names and the response echoes; it is "sig" (what the steps use) on both
    sides here."""
    doc = documented("upload_secret")
    example = doc.request.body
    graph_server.queue(Answer(doc.response.status, doc.response.headers, {**doc.response.body, "use": SIG}))

    key = await graph.upload_secret(KEY_SET_ID, example["k"], use=SIG, nbf=example["nbf"], exp=example["exp"])

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc, {"id": KEY_SET_ID}))
    sent = request.json()
    assert_body_keys(sent, example)
    assert sent == {**example, "use": SIG}
    assert type(sent["nbf"]) is int and type(sent["exp"]) is int
    assert key.is_kind("oct", "sig")
    assert key.kty == "OCT" and key.kid == doc.response.body["kid"]
    assert type(key.nbf) is int and type(key.exp) is int
    assert (key.nbf, key.exp) == (int(doc.response.body["nbf"]), int(doc.response.body["exp"]))


@replays("list_policies")
async def test_listing_custom_policies_gets_the_collection_and_reads_every_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """trustframework-list-trustframeworkpolicies.md: GET /trustFramework/policies answers {"value": [{"id"}…]}
    (no @odata.context, no nextLink in the example)."""
    doc = documented("list_policies")
    graph_server.queue(Answer.of(doc))

    ids = await graph.policy_ids()

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert ids == [policy["id"] for policy in doc.response.body["value"]]


@replays("get_policy_content")
async def test_reading_a_policy_gets_its_value_and_returns_the_xml_unchanged(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """trustframeworkpolicy-get.md: GET /trustFramework/policies/{id}/$value answers the policy as application/xml;
    the client hands back those bytes as they came."""
    doc = documented("get_policy_content")
    graph_server.queue(Answer.of(doc))

    content = await graph.policy_xml(POLICY_TO_READ)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.graph_path.endswith("/$value")
    assert content == doc.response.body.encode("utf-8")


@replays("put_policy_created", "put_policy_updated")
@pytest.mark.parametrize(("fixture", "created"), [("put_policy_created", True), ("put_policy_updated", False)])
async def test_uploading_a_policy_puts_its_xml_value_and_tells_created_from_replaced(
    graph_server: LoopbackGraph, graph: GraphClient, fixture: str, created: bool
) -> None:
    """trustframework-put-trustframeworkpolicy.md: PUT /trustFramework/policies/{id}/$value with the XML as the body
    ("the content type must be application/xml"); 201 when the policy was created, 200 when it replaced one."""
    doc = documented(fixture)
    graph_server.queue(Answer.of(doc))

    was_created = await graph.upload_policy(POLICY_TO_UPLOAD, policy_xml())

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert media_type(request.header("content-type")) == "application/xml"
    assert request.body == doc.request.body.encode("utf-8")
    assert was_created is created


@replays("generate_key")
async def test_generating_a_key_posts_use_kty_and_int64_dates_and_parses_the_public_rsa_key(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """trustframeworkkeyset-generatekey.md: POST …/keySets/{id}/generateKey with use, kty, nbf, exp; 200 with the
    new key's public part (k null, e and n), kty "RSA", dates as numbers here."""
    doc = documented("generate_key")
    example = doc.request.body
    graph_server.queue(Answer.of(doc))

    key = await graph.generate_key(
        KEY_SET_ID, kty=example["kty"], use=example["use"], nbf=example["nbf"], exp=example["exp"]
    )

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc, {"id": KEY_SET_ID}))
    sent = request.json()
    assert_body_keys(sent, example)
    assert sent == example
    assert key.is_kind("rsa", "sig")
    assert key.kid == doc.response.body["kid"]
    assert (key.nbf, key.exp) == (doc.response.body["nbf"], doc.response.body["exp"])
