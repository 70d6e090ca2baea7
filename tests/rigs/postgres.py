"""A real PostgreSQL 15 server for the tests: `initdb` into a temporary folder, `pg_ctl` on a loopback port, a fresh
database for each test, stopped at the end. As root (CI), the server runs as the `postgres` user, as it must."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .support import free_port

__all__ = ["Postgres"]


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        pytest.fail(f"PostgreSQL's {name} is not installed: the store's PostgreSQL tests need its server binaries")
    return found


class Postgres:
    """One server on 127.0.0.1; `database()` makes an empty database and gives its URL."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
        self.port = free_port()
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            account = pwd.getpwnam("postgres" if _exists("postgres") else "nobody")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = {"user": account.pw_uid, "group": account.pw_gid}
        self._run(_binary("initdb"), "-D", str(self.folder / "data"), "-A", "trust", "-U", "newsdesk", "-E", "UTF8",
                  "--no-sync")
        self._run(_binary("pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c max_connections=200", "start")
        self.url = f"postgresql://newsdesk@127.0.0.1:{self.port}"

    def database(self) -> str:
        """A new empty database on this server; its URL."""
        name = f"t{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def stop(self) -> None:
        self._run(_binary("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *command: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, **self._as)
        if done.returncode != 0:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}\n{log}")


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True
