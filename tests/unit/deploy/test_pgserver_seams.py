"""The embedded PostgreSQL takes its binaries from pgserver through three internal names
(README, "The embedded stack"): an upgrade of pgserver that moves one fails here, not at a
user's first ``ledger up``."""

from __future__ import annotations

import inspect

import pytest

from incident_ledger.stack import postgres

pytestmark = pytest.mark.unit


def test_the_binaries_are_where_the_stack_looks() -> None:
    for name in ("postgres", "initdb", "pg_ctl", "pg_basebackup"):
        assert postgres._bin(name).is_file(), name


def test_the_service_user_helpers_keep_their_shape() -> None:
    utils = postgres._pgserver().utils
    assert list(inspect.signature(utils.ensure_user_exists).parameters) == ["username"]
    assert len(inspect.signature(utils.ensure_prefix_permissions).parameters) == 1
    assert len(inspect.signature(utils.ensure_folder_permissions).parameters) == 2
