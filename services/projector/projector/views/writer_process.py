"""A writer in a process of its own (``python -m <module>``), fed pickled messages on its
standard input, reporting once on its standard output (``None``, or what went wrong): a
long spreadsheet's rows are built here while that process writes and compresses them, on
another core. Constant memory: a message waits in the pipe until the writer reads it, so a
writer behind holds its sender back (a few batches ahead at most, what the pipe holds).

The process never outlives its use: :meth:`WriterProcess.stop` kills and reaps it however
the run ended; its input ending (this process gone) stops it too."""

from __future__ import annotations

import contextlib
import fcntl
import pickle
import subprocess
import sys
from typing import IO, Any

PIPE_BYTES = 1 << 20  # the most Linux lets a user give a pipe by default


class WriterFailed(RuntimeError):
    """The writer process reported an error, or stopped without reporting."""


class WriterProcess:
    """The process running ``module``, started at once (``-P``: found where this process
    finds it, never in the working directory, where a file of the same name may lie)."""

    def __init__(self, module: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._input: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        self._output: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        with contextlib.suppress(OSError, AttributeError):  # Linux's; a smaller pipe only
            fcntl.fcntl(self._input.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # waits more

    def send(self, message: Any) -> None:
        """``message`` to the writer, once it has room for it. Raises :class:`WriterFailed`
        when the writer has stopped (with its report, if it made one)."""
        try:
            pickle.dump(message, self._input, protocol=pickle.HIGHEST_PROTOCOL)
            self._input.flush()
        except (BrokenPipeError, ValueError):  # ValueError: input closed by stop()
            raise WriterFailed(self._report() or "the spreadsheet writer stopped") from None

    def finish(self) -> None:
        """Input ended, and the writer's report awaited: returns when it has done its work,
        raises :class:`WriterFailed` when it did not."""
        with contextlib.suppress(BrokenPipeError):
            self._input.close()
        if (report := self._report()) is not None:
            raise WriterFailed(report)

    def stop(self) -> None:
        """The process killed, unless it has ended, and reaped; its pipes closed. Safe from
        any thread, any number of times."""
        self.process.kill()  # nothing when it has been reaped
        self.process.wait()
        for pipe in (self._input, self._output):
            with contextlib.suppress(OSError, ValueError):
                pipe.close()

    def _report(self) -> str | None:
        """What went wrong, once the writer has exited; ``None`` when nothing did."""
        try:
            report: str | None = pickle.load(self._output)
            said = True
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            report, said = None, False
        code = self.process.wait()
        if report is not None:
            return f"the spreadsheet writer failed: {report}"
        if not said or code != 0:
            return f"the spreadsheet writer stopped (status {code})"
        return None
