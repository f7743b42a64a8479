"""A streaming replica of the embedded PostgreSQL, from pgserver's own binaries: a base
backup of the primary taken with ``pg_basebackup -R`` (which writes the standby settings),
then the same server started on the copy. What ``make cluster`` runs beside the primary,
and what the replica tests read from."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from incident_ledger.stack.postgres import EmbeddedPostgres, _bin


class EmbeddedReplica(EmbeddedPostgres):
    def __init__(self, data_dir: Path, primary_url: str) -> None:
        super().__init__(data_dir)
        self.pgdata = (data_dir / "replica").resolve()
        self.log = (data_dir / "logs" / "replica.log").resolve()
        self.primary = urlsplit(primary_url)

    def _init(self, user: str | None, password: str) -> bool:
        # Made afresh on every start: the primary's port is a new free one each time, and
        # a copy is cheap at the sizes one machine holds. ``-R`` keeps the password the
        # copy was taken with in its standby settings (the data directory is mode 700).
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if user:
            self.pgdata.mkdir(mode=0o700)
            shutil.chown(self.pgdata, user, user)
        subprocess.run(
            [
                str(_bin("pg_basebackup")), "-D", str(self.pgdata), "-R", "-X", "stream",
                "-h", self.primary.hostname or "127.0.0.1", "-p", str(self.primary.port),
                "-U", self.primary.username or "postgres", "--checkpoint=fast",
            ],
            check=True, user=user, capture_output=True,
            env=os.environ | {"PGPASSWORD": self.primary.password or password},
        )  # fmt: skip
        return True  # a standby's roles and pg_hba.conf are the primary's copies
