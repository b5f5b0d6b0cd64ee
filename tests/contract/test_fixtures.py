"""The fixtures themselves: each is a documented example from Microsoft's docs, and each is replayed by a test."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.contract
from tests.contract.examples import INVOCATIONS
from tests.contract.support import (
    COVERED,
    DOC_FOLDERS,
    DOCS_REPO,
    documented,
    fixture_names,
    raw_fixture,
)

NOT_ONE_OPERATION = {"error_response", "paging"}
"""Fixtures of concepts pages, which document a shape every operation shares rather than one operation."""


def test_there_are_fixtures_to_replay() -> None:
    """A glob that finds nothing would make every check below vacuous."""
    assert len(fixture_names()) >= 30


def test_every_fixture_is_replayed_by_some_test() -> None:
    """A fixture added without a test would be a contract nobody checks. Tests declare what they replay with
    `@replays(...)` when their module is imported, so every contract test module is imported here first."""
    for module in pkgutil.iter_modules(tests.contract.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.contract.{module.name}")
    unreplayed = sorted(set(fixture_names()) - set(COVERED))
    assert not unreplayed, f"fixtures no test replays: {unreplayed}"


def test_every_fixture_of_an_operation_has_the_client_call_that_performs_it() -> None:
    """The error tests run every operation's call (INVOCATIONS); a new operation's fixture needs one too."""
    assert set(INVOCATIONS) == set(fixture_names()) - NOT_ONE_OPERATION


@pytest.mark.parametrize("name", fixture_names())
def test_each_fixture_cites_a_page_of_microsofts_graph_docs(name: str) -> None:
    """The fixtures are copies of Microsoft's documented examples, not of our simulator: each names its page in
    microsoftgraph/microsoft-graph-docs-contrib, under api-reference/ or concepts/."""
    doc = documented(name).doc
    assert doc.startswith(DOCS_REPO), f"{name}: {doc}"
    assert doc.removeprefix(DOCS_REPO).startswith(DOC_FOLDERS), f"{name}: {doc}"
    assert doc.endswith(".md"), f"{name}: {doc}"


@pytest.mark.parametrize("name", fixture_names())
def test_each_fixture_has_the_documented_request_and_response_fields(name: str) -> None:
    """The shape the tests read: operation (the file's name), doc, permissions, request{method, path, example_path,
    headers, body}, response{status, headers, body}, notes."""
    data = raw_fixture(name)
    assert {"operation", "doc", "permissions", "request", "response", "notes"} <= set(data)
    assert data["operation"] == name
    assert {"method", "path", "example_path", "headers", "body"} <= set(data["request"])
    assert {"status", "headers", "body"} <= set(data["response"])
    assert isinstance(data["response"]["status"], int)
    if name not in NOT_ONE_OPERATION:
        assert data["request"]["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        assert str(data["request"]["path"]).startswith("/")
        assert documented(name).accepted_permissions, f"{name} names no delegated permission"
