"""Settings are read once from the environment and fail fast, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.settings import SettingsError, load

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
