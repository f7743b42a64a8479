"""What a setting's value must be beyond its type: the settings structs' ``__post_init__``
call these. Each raises ``ValueError("<field>: <what is wrong>")``; ``settings.read`` puts
the variable's name in front of it. A URL is never echoed: it may carry a password."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATABASE_SCHEMES = ("postgresql", "postgres")
NATS_SCHEMES = ("nats", "tls")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
LOG_FORMATS = ("auto", "json", "console")


class Invalid(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


def server_url(field: str, value: str, schemes: tuple[str, ...]) -> None:
    """``scheme://[user[:password]@]host[:port][/…]``: a known scheme, a host (for
    PostgreSQL also ``?host=/socket/dir``), a port from 1 to 65535 if given."""
    parts = urlsplit(value.strip())
    if parts.scheme not in schemes:
        wanted = " or ".join(f"{s}://" for s in schemes)
        got = f"{parts.scheme}://" if parts.scheme else "none"
        raise Invalid(field, f"the scheme must be {wanted} (got {got})")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is None and parts.netloc.endswith(":")):
        raise Invalid(field, "the port must be a number from 1 to 65535")
    if not (parts.hostname or parse_qs(parts.query).get("host")):
        raise Invalid(field, "no host (scheme://host:port/…)")


def server_urls(field: str, value: str, schemes: tuple[str, ...]) -> None:
    """One URL, or several separated by commas (a cluster's servers)."""
    servers = [s for s in value.split(",") if s.strip()]
    if not servers:
        raise Invalid(field, "no server URL")
    for server in servers:
        server_url(field, server, schemes)


def one_of(field: str, value: str, known: tuple[str, ...]) -> None:
    if value.lower() not in known:
        raise Invalid(field, f"must be one of {', '.join(known)}")


def word(field: str, value: str, pattern: str = "letters, digits, '_' and '-'") -> None:
    """A NATS subject token or name part: no dots, wildcards, spaces or slashes."""
    if not all(c.isascii() and (c.isalnum() or c in "_-") for c in value):
        raise Invalid(field, f"only {pattern}")


def at_most(field: str, value: float, limit: float, limit_name: str) -> None:
    if value > limit:
        raise Invalid(field, f"more than {limit_name} ({limit:g})")


def existing(field: str, path: Path | None, kind: str) -> None:
    """``path``, if set, names an existing file (``kind`` "file") or directory."""
    if path is None:
        return
    found = path.is_file() if kind == "file" else path.is_dir()
    if not found:
        raise Invalid(field, f"no such {kind}")


def printable(field: str, value: str) -> None:
    if not value.strip() or not value.isprintable():
        raise Invalid(field, "must be non-empty printable text")
