"""Typed settings, one struct per concern, read from the environment once.

Each field of a struct is read from ``<PREFIX><FIELD>`` (upper case). A value that does
not convert, or breaks its field's rule (the ranges below, and ``__post_init__`` with
``plumbing.setting_rules``), fails fast: one ``SettingsError`` line naming the variable,
before anything starts (``ledger``'s commands exit 2 on it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from contracts.limits import MAX_ORIGIN_BYTES
from plumbing import setting_rules as rules

T = TypeVar("T", bound=msgspec.Struct)
Positive = Annotated[float, msgspec.Meta(gt=0)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
# A fetch of more than the consumer's MaxAckPending (jetstream.ingest_consumer) never fills.
MAX_INGEST_BATCH = 20_000


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class DatabaseSettings(msgspec.Struct, frozen=True):
    """PostgreSQL. Without ``LEDGER_DATABASE_URL`` the embedded server is started."""

    url: str | None = None
    # A streaming replica the API reads from (the reads that write the access log stay
    # on the primary); unset: every read goes to ``url``.
    read_url: str | None = None
    pool_min: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 1
    pool_max: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 8
    command_timeout: Positive = 30.0

    def __post_init__(self) -> None:
        for field in ("url", "read_url"):
            if (value := getattr(self, field)) is not None:
                rules.server_url(field, value, rules.DATABASE_SCHEMES)
        if self.pool_min > self.pool_max:
            rules.at_most("pool_min", self.pool_min, self.pool_max, "LEDGER_DATABASE_POOL_MAX")


class NatsSettings(msgspec.Struct, frozen=True):
    """NATS JetStream. Without ``LEDGER_NATS_URL`` the embedded server is started.

    ``namespace`` prefixes subjects and stream names, so several ledgers (or tests) can
    share one NATS server without seeing each other's messages.
    """

    url: str | None = None  # one server, or a cluster's servers separated by commas
    namespace: str = ""
    # Copies JetStream keeps of each stream: 3 on a three-node cluster, so that a lost node
    # loses nothing (a stream created with fewer is scaled up at the next start).
    replicas: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    # Days the streams keep messages (0: for ever; rejections are always kept). Recorded
    # events live on in PostgreSQL; an ingest down longer than this loses what was
    # published and not yet recorded.
    retention_days: Annotated[int, msgspec.Meta(ge=0, le=36_500)] = 30

    def __post_init__(self) -> None:
        if self.url is not None:
            rules.server_urls("url", self.url, rules.NATS_SCHEMES)
        rules.word("namespace", self.namespace)


class HttpSettings(msgspec.Struct, frozen=True):
    host: Annotated[str, msgspec.Meta(min_length=1)] = "127.0.0.1"
    port: Port = 8000
    insured: str = ""  # the organisation named as insured in loss-run headers


class ConsoleSettings(msgspec.Struct, frozen=True):
    """The browser console (``/console/``)."""

    # Signs the console forms' CSRF tokens: every API instance behind one address must
    # share it. Unset: a random one per process (one instance, or sticky sessions).
    csrf_secret: str = ""

    def __post_init__(self) -> None:
        if self.csrf_secret and len(self.csrf_secret) < 32:
            raise ValueError("csrf_secret: must be at least 32 characters")


class StackSettings(msgspec.Struct, frozen=True):
    """Where the embedded servers keep their data (survives restarts)."""

    data_dir: Path = Path(".ledger")
    # Seconds a service waits at start for PostgreSQL and NATS to answer before it gives
    # up naming the variable (``plumbing.startup``); Ctrl-C and SIGTERM stop it sooner. Short
    # by default, so a wrong address is told within seconds; supervisors restart a service.
    start_timeout: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 6.0


class LogSettings(msgspec.Struct, frozen=True):
    level: str = "info"  # debug, info, warning, error, critical
    format: str = "auto"  # auto (console on a TTY, JSON otherwise), json, console

    def __post_init__(self) -> None:
        rules.one_of("level", self.level, rules.LOG_LEVELS)
        rules.one_of("format", self.format, rules.LOG_FORMATS)


class IngestSettings(msgspec.Struct, frozen=True):
    batch: Annotated[int, msgspec.Meta(ge=1, le=MAX_INGEST_BATCH)] = 2500
    fetch_wait: Annotated[float, msgspec.Meta(gt=0, le=60)] = 0.05
    max_future_skew: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 300.0
    origin: str = "incident-ledger"
    # Processes that decode (and seal) large batches beside the sequencer
    # (ledger.ingest.decode_pool), a batch of 200 per worker or more split among them by
    # incident; 0: everything is decoded in the ingest process.
    decode_workers: Annotated[int, msgspec.Meta(ge=0, le=32)] = 2
    # Connections the writer appends through (ledger.store.lanes): with 2, a large batch is sent
    # while the one before it commits; 1: one batch at a time.
    lanes: Annotated[int, msgspec.Meta(ge=1, le=2)] = 2
    # Off only to measure what the Merkle log costs (make bench): without it nothing is
    # signed, and turning it on again catches the log up from the records.
    merkle_log: bool = True
    # A batch's way through the ingest (fetch to acknowledgement) taking longer is logged
    # as a stall, naming the stage that took the time (ledger.ingest.stall_log).
    stall_ms: Annotated[float, msgspec.Meta(gt=0, le=60_000)] = 20.0

    def __post_init__(self) -> None:
        rules.printable("origin", self.origin)
        if len(self.origin.encode()) > MAX_ORIGIN_BYTES:
            raise rules.Invalid("origin", f"longer than {MAX_ORIGIN_BYTES} bytes (UTF-8)")


class ProjectorSettings(msgspec.Struct, frozen=True):
    """The read models and deadline engine: where the policy packs are and which of them
    the deployment loads. Who is subject to which is recorded in the ledger itself
    (organisations' and sites' profiles, docs/profiles.md)."""

    packs_dir: Path | None = None  # default: services/projector/packs in this checkout
    packs: str = ""  # comma-separated pack ids to load; empty: every pack in packs_dir
    # occurred_at this long before recorded_at is flagged
    backdated_hours: Annotated[float, msgspec.Meta(ge=0)] = 24.0
    # processes a large rebuild folds with; 0: one per CPU core
    rebuild_workers: Annotated[int, msgspec.Meta(ge=0, le=256)] = 0

    def __post_init__(self) -> None:
        rules.existing("packs_dir", self.packs_dir, "directory")


RETIRED = ("LEDGER_PROJECTOR_ENTITY_TYPE", "LEDGER_PROJECTOR_COUNTRY", "LEDGER_PROJECTOR_TIMEZONE")
"""Once one deployment's facts; now each organisation's and site's profile."""


class AuditSettings(msgspec.Struct, frozen=True):
    """The checkpoint signer. Its key and state live outside the database."""

    key_file: Path | None = None  # PRIVATE+KEY+… (ledger keys create); unset: no signer
    state_dir: Path | None = None  # default: <data dir>/signer
    checkpoint_dir: Path | None = None  # append-only copies; default: <data dir>/checkpoints
    interval: Positive = 1.0  # seconds between checkpoints while records arrive
    every: Annotated[int, msgspec.Meta(ge=1)] = 1000  # records that make a checkpoint due
    idle: Positive = 60.0  # seconds after which an unchanged head is signed again

    def __post_init__(self) -> None:
        rules.existing("key_file", self.key_file, "file")


class PrivacySettings(msgspec.Struct, frozen=True):
    """The master key that wraps every data subject's key (docs/erasure.md): a file the
    database never sees, read by the ingest, the API and ``ledger erase``."""

    key_file: Path | None = None  # LEDGER-PRIVACY-KEY-1:… (ledger keys privacy); unset:
    # development's own, made under the data dir (<data dir>/privacy.key)

    def __post_init__(self) -> None:
        rules.existing("key_file", self.key_file, "file")


class Settings(msgspec.Struct, frozen=True):
    database: DatabaseSettings
    nats: NatsSettings
    http: HttpSettings
    stack: StackSettings
    log: LogSettings
    ingest: IngestSettings
    projector: ProjectorSettings
    audit: AuditSettings = AuditSettings()
    console: ConsoleSettings = ConsoleSettings()
    privacy: PrivacySettings = PrivacySettings()


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(kind)


def read(cls: type[T], prefix: str, env: Mapping[str, str] | None = None) -> T:
    """Build ``cls`` from ``<prefix><FIELD>`` variables; unset ones keep their default."""
    source = os.environ if env is None else env
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        name = f"{prefix}{field.name.upper()}"
        if source.get(name, "") != "":
            raw[field.name] = source[name]
    try:
        return msgspec.convert(raw, cls, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise _error(str(exc), prefix, raw) from None


def _error(message: str, prefix: str, raw: Mapping[str, str]) -> SettingsError:
    """One line: the variable, what is wrong, and the value given (but never a URL's,
    which may carry a password). msgspec says ``Expected … - at `$.field```; the structs'
    own rules say ``field: …``."""
    if " - at `$." in message:
        problem, field = message.rsplit(" - at `$.", 1)
        field = field.strip("`")
    else:
        field, _, problem = message.partition(": ")
    for kind, words in _KINDS.items():
        problem = problem.replace(kind, words)
    shown = "" if field.endswith("url") or field not in raw else f" (got {raw[field]!r})"
    return SettingsError(f"{prefix}{field.upper()}: {problem[:1].lower()}{problem[1:]}{shown}")


_KINDS = {", got `str`": "", "`int`": "a whole number", "`float`": "a number",
          "`bool`": "true or false", "`str`": "text"}  # fmt: skip


# Each concern's struct and the prefix of its variables (``LEDGER_NATS_URL`` → nats.url).
PREFIXES: dict[str, tuple[type[msgspec.Struct], str]] = {
    "database": (DatabaseSettings, "LEDGER_DATABASE_"),
    "nats": (NatsSettings, "LEDGER_NATS_"),
    "http": (HttpSettings, "LEDGER_HTTP_"),
    "stack": (StackSettings, "LEDGER_"),
    "log": (LogSettings, "LEDGER_LOG_"),
    "ingest": (IngestSettings, "LEDGER_INGEST_"),
    "projector": (ProjectorSettings, "LEDGER_PROJECTOR_"),
    "audit": (AuditSettings, "LEDGER_AUDIT_"),
    "console": (ConsoleSettings, "LEDGER_CONSOLE_"),
    "privacy": (PrivacySettings, "LEDGER_PRIVACY_"),
}


def variables() -> set[str]:
    """Every environment variable the settings read."""
    return {
        f"{prefix}{field.name.upper()}"
        for cls, prefix in PREFIXES.values()
        for field in msgspec.structs.fields(cls)
    }


def _refuse_retired(env: Mapping[str, str]) -> None:
    for name in RETIRED:
        if env.get(name, "") != "":
            raise SettingsError(
                f"{name}: no longer read: organisations' and sites' profiles replaced it"
                " (register them with their entity type, country and time zone; unset it)"
            )


def load(env: Mapping[str, str] | None = None) -> Settings:
    _refuse_retired(os.environ if env is None else env)
    parts = {name: read(cls, prefix, env) for name, (cls, prefix) in PREFIXES.items()}
    return msgspec.convert(parts, Settings, from_attributes=True)
