"""A token's scope: an organisation, or one site of it; what it covers."""

from __future__ import annotations

import pytest

from ledger_api.token_store import Scope, check_scope

pytestmark = pytest.mark.unit


def test_no_organisation_is_no_scope() -> None:
    assert check_scope(None, None) is None


@pytest.mark.parametrize(
    ("org", "site", "named"),
    [(None, "s1", "--org"), ("a b", None, "'a b'"), ("a", "x" * 60, "site"), ("", None, "''")],
)
def test_a_bad_scope_is_named(org: str | None, site: str | None, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        check_scope(org, site)


def test_an_organisation_covers_its_incidents_at_every_site_and_nothing_unregistered() -> None:
    scope = Scope("a")
    assert scope.covers("a", None)
    assert scope.covers("a", "a-1")
    assert not scope.covers("b", "b-1")
    assert not scope.covers(None, None)


def test_a_site_covers_only_its_own_incidents() -> None:
    scope = Scope("a", "a-1")
    assert scope.covers("a", "a-1")
    assert not scope.covers("a", "a-2")
    assert not scope.covers("a", None)  # an incident of the whole organisation
