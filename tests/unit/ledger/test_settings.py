"""Settings are read once from the environment and fail fast, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plumbing.settings import SettingsError, load, variables

pytestmark = pytest.mark.unit


def test_defaults_need_no_environment() -> None:
    settings = load({})
    assert settings.database.url is None
    assert (settings.http.host, settings.http.port) == ("127.0.0.1", 8000)
    assert settings.stack.data_dir == Path(".ledger")


def test_values_come_from_prefixed_variables() -> None:
    settings = load(
        {
            "LEDGER_DATABASE_URL": "postgresql://x/y",
            "LEDGER_HTTP_PORT": "9001",
            "LEDGER_DATA_DIR": "/var/lib/ledger",
        }
    )
    assert settings.database.url == "postgresql://x/y"
    assert settings.http.port == 9001
    assert settings.stack.data_dir == Path("/var/lib/ledger")


def test_a_malformed_value_names_its_variable() -> None:
    with pytest.raises(SettingsError, match=r"^LEDGER_HTTP_PORT: "):
        load({"LEDGER_HTTP_PORT": "eighty"})


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("LEDGER_DATABASE_URL", "mysql://u:secret@db/ledger", "the scheme must be postgresql://"),
        ("LEDGER_DATABASE_URL", "postgresql://u:secret@db:99999/ledger", "port"),
        ("LEDGER_DATABASE_URL", "postgresql://u:secret@:5432/ledger", "no host"),
        ("LEDGER_DATABASE_URL", "not a url", "the scheme must be"),
        ("LEDGER_DATABASE_READ_URL", "http://replica/ledger", "the scheme must be"),
        ("LEDGER_NATS_URL", "nats://a:4222,http://b:4222", "nats:// or tls://"),
        ("LEDGER_NATS_URL", "nats://u:secret@a:0", "port"),
        ("LEDGER_NATS_URL", " , ", "no server URL"),
        ("LEDGER_INGEST_BATCH", "-5", ">= 1"),
        ("LEDGER_INGEST_BATCH", "1000000", "<= 20000"),
        ("LEDGER_INGEST_FETCH_WAIT", "0", "> 0"),
        ("LEDGER_INGEST_STALL_MS", "0", "> 0"),
        ("LEDGER_INGEST_STALL_MS", "soon", "a number"),
        ("LEDGER_HTTP_PORT", "70000", "<= 65535"),
        ("LEDGER_HTTP_PORT", "0", ">= 1"),
        ("LEDGER_DATABASE_POOL_MIN", "9", "more than LEDGER_DATABASE_POOL_MAX"),
        ("LEDGER_DATABASE_COMMAND_TIMEOUT", "-1", "> 0"),
        ("LEDGER_AUDIT_INTERVAL", "0", "> 0"),
        ("LEDGER_AUDIT_KEY_FILE", "/no/such/key", "no such file"),
        ("LEDGER_LOG_LEVEL", "loud", "one of debug, info"),
        ("LEDGER_LOG_FORMAT", "xml", "one of auto, json, console"),
        ("LEDGER_PROJECTOR_TIMEZONE", "Europe/Berlin", "profiles replaced it"),
        ("LEDGER_PROJECTOR_COUNTRY", "DE", "profiles replaced it"),
        ("LEDGER_PROJECTOR_ENTITY_TYPE", "credit_institution", "profiles replaced it"),
        ("LEDGER_PROJECTOR_PACKS_DIR", "/no/such/packs", "no such directory"),
        ("LEDGER_NATS_NAMESPACE", "a.b", "only letters"),
        ("LEDGER_NATS_REPLICAS", "7", "<= 5"),
        ("LEDGER_INGEST_MERKLE_LOG", "maybe", "true or false"),
        ("LEDGER_INGEST_ORIGIN", "日志" * 22, "longer than 128 bytes"),
        ("LEDGER_START_TIMEOUT", "-1", "> 0"),
    ],
)
def test_each_rule_names_the_variable_and_what_is_wrong(
    variable: str, value: str, problem: str
) -> None:
    # Given one malformed variable, when the settings load, then the one-line error
    # names it and the problem, and never repeats a URL (it may carry a password).
    with pytest.raises(SettingsError) as caught:
        load({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert problem in message
    assert "\n" not in message
    assert "secret" not in message


def test_a_valid_configuration_passes_every_rule() -> None:
    settings = load(
        {
            "LEDGER_DATABASE_URL": "postgres://ledger:pw@db.example:5432/ledger",
            "LEDGER_DATABASE_READ_URL": "postgresql:///ledger?host=/run/postgresql",
            "LEDGER_NATS_URL": "nats://u:p@n1:4222, tls://u:p@n2:4222",
            "LEDGER_LOG_LEVEL": "WARNING",
            "LEDGER_PROJECTOR_PACKS": "dora,gdpr",
            "LEDGER_INGEST_BATCH": "20000",
        }
    )
    assert settings.ingest.batch == 20_000
    assert settings.stack.start_timeout == 6.0


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    variable=st.sampled_from(sorted(variables())),
    value=st.text(min_size=1, max_size=40).filter(lambda v: "\x00" not in v),
)
def test_any_value_of_any_variable_loads_or_names_it(variable: str, value: str) -> None:
    # Given any text in any variable, when the settings load, then they either load or
    # fail with a SettingsError naming that variable: never another exception.
    problem = ""
    try:
        load({variable: value})
    except SettingsError as exc:
        problem = str(exc)
    assert problem == "" or problem.startswith(f"{variable}: ")
