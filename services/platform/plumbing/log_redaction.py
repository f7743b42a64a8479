"""Secrets never reach a log line: a structlog processor that masks them in every event,
ours and third-party libraries' (asyncpg, nats, uvicorn) alike.

What counts as a secret: ``Authorization`` values and bearer tokens (the API's ``led_…``
secrets among them), passwords in URLs (``postgresql://user:pw@…``, ``nats://user:pw@…``),
``password=``-like keys and values (``PGPASSWORD``, ``secret``, ``seed``, ``token``), and
Ed25519 key material (``PRIVATE+KEY+…``). A value under a secret-named key is masked
whole; any other string is searched for the patterns, so a secret inside an exception's
message or a repr is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

MASK = "[REDACTED]"
_SECRET_KEY = re.compile(
    r"(?i)^(authorization|proxy[-_]authorization|cookie|set[-_]cookie|password|passwd|pwd"
    r"|pgpassword|[a-z_]*_password|secret|[a-z_]*_secret|token|bearer|seed|private_key|key_seed"
    r"|api_key|credentials?|dsn)$"
)
_KEYS = r"password|passwd|pwd|pgpassword|secret|token|seed|private_key|api_key"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Ed25519 signer keys (C2SP note format) and any PEM private key.
    (re.compile(r"PRIVATE\+KEY\+\S+"), f"PRIVATE+KEY+{MASK}"),
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
        MASK,
    ),
    # userinfo of any URL: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@'\"]*):[^\s@'\"]*@"), rf"\1:{MASK}@"),
    # an Authorization header's value, whatever its scheme, in any form a header takes in
    # a log: "authorization: Bearer x", ('authorization', 'Basic x'), {"authorization": "x"}
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=,]\s*(?:b?['\"])?)"
            r"(?:(?:bearer|basic|digest|token)\s+)?[^\s'\",;)}\]]+"
        ),
        rf"\1{MASK}",
    ),
    # a bearer token wherever it appears (a short word after "bearer" is prose, not a token)
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{12,}"), rf"\1{MASK}"),
    # the API's own tokens, wherever they are
    (re.compile(r"\bled_[A-Za-z0-9_-]+"), f"led_{MASK}"),
    # key=value, key: value, "key": "value", key='value', seed=b'…'
    (
        re.compile(
            rf"(?i)\b((?:[a-z_]*_)?(?:{_KEYS}))(['\"]?\s*[=:]\s*)"
            r"(b?'(?:[^'\\]|\\.)*'|b?\"(?:[^\"\\]|\\.)*\"|[^\s,;&)}\]'\"]+)"
        ),
        rf"\1\2{MASK}",
    ),
)


def scrub(text: str) -> str:
    """``text`` with every secret the patterns know masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, bytes | bytearray):
        return scrub(bytes(value).decode("utf-8", "replace"))
    if depth > 20:  # an exception's dict is nested a few levels; nothing sane is deeper
        return MASK
    if isinstance(value, Mapping):
        return {k: _entry(k, v, depth) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    shown = repr(value)
    masked = scrub(shown)
    return value if masked == shown else masked


def _entry(key: Any, value: Any, depth: int) -> Any:
    if isinstance(key, str) and _SECRET_KEY.match(key) and value not in (None, ""):
        return MASK
    return _clean(value, depth + 1)


def redact_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """The structlog processor: runs after exceptions are rendered and before the renderer,
    on our events and foreign ones alike."""
    return {k: _entry(k, v, 0) for k, v in event_dict.items()}
