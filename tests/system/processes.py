"""Private processes for system and end-to-end tests: PostgreSQL, Redis, Celery workers, gunicorn.

Each is started by the test on its own free port (and, for PostgreSQL and Redis, its own data
directory) and ended by the process id it holds, never by name. The shared services on 5432 and
6379 are never touched. Every wait is a poll with a deadline.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
_T = TypeVar("_T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], _T], *, timeout: float, interval: float = 0.1, what: str = "") -> _T:
    """Poll `predicate` until it returns something truthy; TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float = 10) -> None:
    wait_until(lambda: port_open(port), timeout=timeout, what=f"something listening on {port}")


def _end(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal the process we started and reap it; SIGKILL it if it outlives `timeout`."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def children(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc (psutil is not installed)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class PrivateRedis:
    """redis-server on its own port and directory, without persistence: a restart loses the queue."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="coiin-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        _end(self.proc)
        self.proc = None

    def kill(self) -> None:
        _end(self.proc, signal.SIGKILL)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb) on its own port, socket directory and data directory.

    PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` system user
    (setpriv execs in place: the pid we hold is the postmaster's).
    """

    def __init__(self) -> None:
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="coiin-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _as_owner(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", *argv]

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            self._as_owner([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                            "--no-sync", "-E", "UTF8", "--locale=C"]),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self._as_owner([str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port),
                            "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                            "-c", "full_page_writes=off", "-c", "max_connections=60"]),
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self.accepting, timeout=30, what="private PostgreSQL accepting connections")

    def accepting(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url("postgres"), connect_timeout=1).close()
            return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        _end(self.proc, signal.SIGINT, timeout=30)  # SIGINT = "fast" shutdown: open sessions are cut
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Service:
    """A Python process of ours (celery worker, gunicorn) in its own session, logging to a file."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.argv, self.env, self.log_path = argv, env, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            # Own session: killing the group ends the children too, and nothing else.
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        _end(self.proc)
        if self.proc.poll() is not None:
            self._kill_group()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole process group we started: the main process and its children."""
        self._kill_group()
        if self.proc is not None:
            self.proc.wait(timeout=10)
            self.proc = None

    def _kill_group(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):  # the group ended already
            os.killpg(self.proc.pid, signal.SIGKILL)


def celery_worker(
    env: dict[str, str], log_path: Path, *, pool: str = "prefork", concurrency: int = 1
) -> Service:
    return Service(
        [sys.executable, "-m", "celery", "-A", "coiin", "worker", f"--pool={pool}", f"--concurrency={concurrency}",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env, log_path,
    )  # fmt: skip


def gunicorn(env: dict[str, str], log_path: Path, port: int, *, workers: int = 2) -> Service:
    """gunicorn as production runs it (coiin/gunicorn.conf.py: the app, every view and the templates
    loaded before the workers fork), on our own port and worker count. Without the config each worker
    imported the views on its first request, some 3 s on a busy machine: a save answered by a cold
    worker failed F1's 3 s bound for reasons production does not have."""
    return Service(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "coiin" / "gunicorn.conf.py"), "coiin.wsgi",
         "-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "60", "--graceful-timeout", "5"],
        env, log_path,
    )  # fmt: skip
