"""The contract tests' fixtures: a loopback server that answers with documented examples, and the client under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.contract.support import SCOPES, TOKEN, LoopbackGraph
from wizard.auth import StaticTokenCredential
from wizard.graph import GraphClient


@pytest.fixture
def graph_server() -> Iterator[LoopbackGraph]:
    """No simulator here: the documented example is the server."""
    with LoopbackGraph() as server:
        yield server


@pytest.fixture
async def graph(graph_server: LoopbackGraph) -> AsyncIterator[GraphClient]:
    """The project's Graph client, pointed at the loopback server. Its lag budget is 0: these tests never wait out
    replication lag, so an answer the client reads as "not there yet" fails at once instead of after a minute."""
    client = GraphClient(StaticTokenCredential(TOKEN), graph_url=graph_server.graph_url, scopes=SCOPES, lag_budget=0.0)
    yield client
    await client.close()
