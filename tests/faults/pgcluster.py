"""A private PostgreSQL cluster for tests that stop and restart the server under a crawl.

The machine's shared PostgreSQL is never touched: `PgCluster.create` runs ``initdb`` (as the
``postgres`` user when the tests run as root, which PostgreSQL refuses) into a new temporary
folder and serves it on a free port of 127.0.0.1 with trust authentication. The binaries
come from ``pg_config --bindir``; `server_binaries` says why they cannot be used, if so.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The programs a cluster needs.
PROGRAMS = ("initdb", "pg_ctl", "postgres")


def server_binaries() -> tuple[Path | None, str]:
    """(folder of the server programs, "") or (None, why they cannot be used)."""
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None, "pg_config is not on PATH"
    found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
    bindir = Path(found.stdout.strip())
    missing = [name for name in PROGRAMS if not (bindir / name).is_file()]
    if found.returncode or missing:
        return None, f"no PostgreSQL server programs ({', '.join(missing)}) in {bindir}"
    if os.geteuid() == 0 and not _has_user("postgres"):
        return None, "running as root and there is no postgres user to run initdb as"
    return bindir, ""


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """One PostgreSQL data folder served on ``port``; `stop`/`start`/`restart` drive it."""

    bindir: Path
    datadir: Path
    port: int

    @classmethod
    def create(cls, bindir: Path) -> PgCluster:
        """``initdb`` a new cluster into a temporary folder (not yet started)."""
        root = Path(tempfile.mkdtemp(prefix="crawler-pg-"))
        datadir = root / "data"
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(bindir, datadir, free_port())
        cluster._run("initdb", "-D", str(datadir), "-U", "postgres", "--auth=trust", "-N")
        return cluster

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the cluster's ``postgres`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.datadir} -c fsync=off"
        )
        log = str(self.datadir.parent / "server.log")
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.datadir), "-l", log, "-o", options
        )

    def stop(self) -> None:
        """Stop the server now: open connections are cut, transactions roll back."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.datadir))

    def restart(self) -> None:
        """Stop and start again (connections cut, as in a real restart)."""
        self.stop()
        self.start()

    def running(self) -> bool:
        status = self._run("pg_ctl", "status", "-D", str(self.datadir), check=False)
        return status.returncode == 0

    def destroy(self) -> None:
        """Stop the server if it runs and delete its folder."""
        if self.datadir.exists() and self.running():
            self.stop()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if check and done.returncode:
            output = (done.stderr or done.stdout)[-2000:]
            raise RuntimeError(f"{program} {args[0]} failed: {output}")
        return done


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
