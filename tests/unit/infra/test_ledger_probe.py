"""Given the probe the ledger's image runs for the services without HTTP, then it finds
the connections to PostgreSQL and NATS in the kernel's socket table, and says which is
missing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.infra.loading import ledger_probe

pytestmark = pytest.mark.unit
probe = ledger_probe()
HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
ENV = {
    "LEDGER_DATABASE_URL": "postgresql://ledger_ingest:pw@ledger-pg-rw:5432/ledger",
    "LEDGER_NATS_URL": "nats://ingest:pw@nats-0:4222,nats://ingest:pw@nats-1:4223",
}


def _row(remote_port: int, state: str) -> str:
    return f"   0: 0100007F:9C40 0100007F:{remote_port:04X} {state} 00000000:00000000 00:0 0 10001"


def _table(*rows: tuple[int, str]) -> str:
    return "\n".join([HEADER, *(_row(port, state) for port, state in rows)]) + "\n"


def test_a_service_holding_both_connections_is_healthy() -> None:
    table = _table((5432, "01"), (4223, "01"), (8000, "0A"))
    assert probe.connected(ENV, [table]) is None


def test_a_service_that_lost_postgresql_says_so() -> None:
    table = _table((5432, "06"), (4222, "01"))  # TIME_WAIT: gone
    problem = probe.connected(ENV, [table])
    assert problem == "no connection to the server of LEDGER_DATABASE_URL (ports [5432])"


def test_a_missing_setting_is_named() -> None:
    problem = probe.connected({"LEDGER_DATABASE_URL": ENV["LEDGER_DATABASE_URL"]}, [_table()])
    assert problem == "LEDGER_NATS_URL is not set"


def test_ports_default_by_scheme() -> None:
    assert probe.ports("postgres://h/db") == {5432}
    assert probe.ports("nats://a:1, tls://b ,") == {1, 4222}


@given(st.lists(st.tuples(st.integers(1, 65535), st.sampled_from(["01", "06", "0A", "08"]))))
def test_remote_ports_are_exactly_the_established_ones(rows: list[tuple[int, str]]) -> None:
    expected = {port for port, state in rows if state == "01"}
    assert probe.remote_ports([_table(*rows)]) == expected


@given(st.text())
def test_any_socket_table_text_is_read_without_error(text: str) -> None:
    found = probe.remote_ports([HEADER + "\n" + text])
    assert all(isinstance(port, int) for port in found)
