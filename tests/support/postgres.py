"""A throwaway PostgreSQL server for the test run: initdb into a temp dir, start, stop, delete."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DEFAULT_BIN_DIRS = ("/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
SERVER_USER = "carerline"


class PostgresUnavailable(RuntimeError):
    """The server could not be started; tests that need it must fail, not skip."""


def find_bin_dir() -> Path:
    """PostgreSQL's bin folder: $CARERLINE_TEST_PG_BIN, then the Debian locations, then PATH."""
    candidates = [os.environ.get("CARERLINE_TEST_PG_BIN", ""), *DEFAULT_BIN_DIRS]
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL binaries (initdb, pg_ctl) not found; run `make install` first")


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TemporaryPostgres:
    """Start with start(), stop with stop(); `url()` gives an asyncpg URL for a database."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.port = free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="carerline-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "server.log"
        self._run_as = self._server_account()

    def _server_account(self) -> str | None:
        # initdb refuses to run as root, so as root we run the server as the postgres account.
        if os.geteuid() != 0:
            return None
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as error:
            raise PostgresUnavailable("running as root and there is no postgres account") from error
        os.chown(self.base_dir, account.pw_uid, account.pw_gid)
        return "postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._run_as:
            command = ["runuser", "-u", self._run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}\n{log}")
        return result

    def start(self) -> None:
        """initdb and start the server, tuned for tests (no fsync)."""
        self._run("initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = " ".join([
            f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.base_dir}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c max_connections=300", "-c shared_buffers=128MB",
        ])
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server and delete its files."""
        try:
            if self.data_dir.exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """An async SQLAlchemy URL for one database on this server."""
        return f"postgresql+asyncpg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"
