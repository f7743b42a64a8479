"""Decoding large batches on another core, while the sequencer works on this one.

The ingest is one process by design (one writer orders everything), and its CPU is its
limit: decoding, validating and canonically encoding a message costs about as much as
sequencing, hashing and storing it. So a batch of at least ``MIN_BATCH`` messages is
decoded by a worker process while the previous batch is being sequenced and committed
here; only the raw bytes go there, and only what the sequencer needs
(``ledger.domain.prepared``) comes back, its personal values sealed there too
(``ledger.ingest.worker_sealing``) when the ingest seals. Smaller batches, at ordinary
rates, are decoded here: sending them costs more latency than it saves. A new leader
waits for its worker to start (its spawn and imports: see tests/bench/README.md) before it
consumes; one replaced mid-run is not waited for: until it has started, every batch is
decoded here. A worker that dies is replaced, and its batch decoded here; nothing is lost
either way, since nothing is acknowledged until the batch commits. A job that fails
otherwise (its answer too large to pack, say) is decoded here too, message by message: no
batch and no lead is lost to one message.
"""

from __future__ import annotations

import asyncio
import signal
import zlib
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

import msgspec
import structlog
from nats.aio.msg import Msg

from contracts.outcomes import Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared
from ledger.ingest import warm, worker_sealing
from ledger.ingest.defects import failure_of
from ledger.ingest.intake import Decoded, decode_all, decode_batch
from ledger.ingest.worker_sealing import SealingTarget
from plumbing import workers
from plumbing.settings import IngestSettings
from plumbing.tuning import tune_gc

log = structlog.get_logger(__name__)
MIN_BATCH = 200
START_WAIT = 10.0  # seconds a new leader waits at most for its worker


class _Result(msgspec.Struct, array_like=True):
    prepared: list[Prepared]
    rejected: list[tuple[int, Rejected]]  # (index in the batch, why)
    unsealed: str | None = None  # why the worker left the sealing to the writer, if it did


_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(_Result).decode


def _decode_packed(
    datas: list[bytes],
    subjects: list[str],
    topology: Topology,
    settings: IngestSettings,
    now: datetime,
) -> bytes:
    """``decode_all`` in a worker, packed for the way back."""
    items = decode_all(datas, subjects, topology, settings, now)
    prepared, unsealed = worker_sealing.sealed([i for i in items if isinstance(i, Prepared)])
    rejected = [(n, i) for n, i in enumerate(items) if isinstance(i, Rejected)]
    return _pack(_Result(prepared, rejected, unsealed))


def _unpacked(packed: bytes, count: int) -> list[Prepared | Rejected]:
    result = _unpack(packed)
    if result.unsealed is not None:
        log.warning("a decoding worker could not seal; sealing here", error=result.unsealed)
    items: list[Prepared | Rejected | None] = [None] * count
    for index, rejected in result.rejected:
        items[index] = rejected
        if (failure := failure_of(rejected)) is not None:
            metrics.INTERNAL_ERRORS.labels(failure).inc()  # the worker's count stays there
    prepared = iter(result.prepared)
    return [next(prepared) if item is None else item for item in items]


def _start(topology: Topology, settings: IngestSettings, sealing: SealingTarget | None) -> None:
    # Ctrl-C reaches the whole process group; the ingest itself shuts its workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm.codecs(topology, settings)
    worker_sealing.start(sealing)
    tune_gc()  # as the ingest itself: a full collection over the modules stalls decoding


Job = tuple[list[bytes], list[str], Topology, IngestSettings, datetime]


def _parts(incidents: list[str], count: int) -> list[list[int]]:
    """A batch's indices in at most ``count`` parts, one a worker, each incident's messages
    (whichever source published them) in one part: its subjects' keys are then made by
    one worker, not raced for by two. One part needs no hashing: it holds them all."""
    if count <= 1:
        return [list(range(len(incidents)))] if incidents else []
    parts: list[list[int]] = [[] for _ in range(count)]
    for index, incident in enumerate(incidents):
        parts[zlib.crc32(incident.encode()) % len(parts)].append(index)
    return [part for part in parts if part]


def _part(job: Job, part: list[int]) -> Job:
    datas, subjects, *rest = job
    return ([datas[i] for i in part], [subjects[i] for i in part], *rest)  # type: ignore[return-value]


def _joined(parts: list[list[int]], packed: list[bytes], count: int) -> list[Prepared | Rejected]:
    """The parts' answers in the batch's order."""
    items: list[Prepared | Rejected | None] = [None] * count
    for part, answer in zip(parts, packed, strict=True):
        for index, item in zip(part, _unpacked(answer, len(part)), strict=True):
            items[index] = item
    joined = [item for item in items if item is not None]
    if len(joined) != count:  # never, unless a part lost an item: decoded here instead
        raise RuntimeError(f"{count - len(joined)} messages missing from the parts' answers")
    return joined


class DecodePool:
    """``workers`` decoding processes (none: everything is decoded in this process),
    sealing what they decode with ``sealing`` (None: they leave it to the writer)."""

    def __init__(
        self,
        workers: int,
        topology: Topology,
        settings: IngestSettings,
        sealing: SealingTarget | None = None,
    ) -> None:
        self.workers, self.topology, self.settings = workers, topology, settings
        self.sealing = sealing
        self._pool: ProcessPoolExecutor | None = None
        self._started: list[Future[int]] = []  # each done once a worker has warmed up

    @property
    def idle(self) -> bool:
        """Whether workers are wanted but not running."""
        return self.workers > 0 and self._pool is None

    def start(self) -> None:
        """Start the workers now; until they have, batches are decoded here."""
        if self.workers > 0:
            started = (self.topology, self.settings, self.sealing)
            self._pool = workers.pool(self.workers, _start, started)
            # one each: every worker starts now, not when a batch first needs it
            self._started = [self._pool.submit(int) for _ in range(self.workers)]

    async def decode(self, msgs: list[Msg]) -> Decoded:
        pool = self._pool if self._ready() else None
        if pool is None or len(msgs) < MIN_BATCH:
            return decode_batch(msgs, self.topology, self.settings)
        datas, subjects = [m.data for m in msgs], [m.subject for m in msgs]
        job = (datas, subjects, self.topology, self.settings, datetime.now(UTC))
        incidents = [self.topology.incident_of(s) for s in subjects]
        parts = _parts(incidents, min(self.workers, len(msgs) // MIN_BATCH))
        try:
            packed = await asyncio.gather(
                *(asyncio.wrap_future(pool.submit(_decode_packed, *_part(job, p))) for p in parts)
            )
            return Decoded(msgs, _joined(parts, packed, len(msgs)))
        except BrokenProcessPool:
            log.warning("a decoding worker died; starting another", batch=len(msgs))
            self.close()
            self.start()
        except Exception as exc:  # the job, not the pool: this batch is decoded here
            log.error("a decoding job failed; decoding here", error=type(exc).__name__)
        return Decoded(msgs, decode_all(*job))

    async def started(self) -> None:
        """Return once the workers have started, failed to, or ``START_WAIT`` has passed
        (at once without workers): whatever the outcome, ``decode`` works."""
        if self._started:
            await asyncio.wait([asyncio.wrap_future(f) for f in self._started], timeout=START_WAIT)

    def _ready(self) -> bool:
        """Whether the workers are there to take a batch at once (a broken pool counts:
        sending to it replaces it)."""
        return bool(self._started) and all(f.done() for f in self._started)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._started = None, []
