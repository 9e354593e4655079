"""A Prefect server, its deployments and its process workers, as subprocesses on this machine.

What an operator runs by hand (README, "Running for a whole ministry"), as functions: the
multi-process tests and bench/scale.py start the same pieces the same way. Prefect keeps
its own records in a PostgreSQL database of its own (never ours: our database is the
system of record); each piece gets a clean environment, so nothing of the caller's
temporary-server settings leaks into a real server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nmrf.prefect_automation import ensure_sweep_watch

PROJECT_DIR = Path(__file__).resolve().parent.parent
POOL = "nmrf"
SECRET_BLOCKS = {"nmrf-database-url": "NMRF_DATABASE_URL", "nmrf-secret-key": "NMRF_SECRET_KEY"}


def _bin(name: str) -> str:
    """The console script installed beside this interpreter (the project's .venv)."""
    return str(Path(sys.executable).with_name(name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any PREFECT_ or NMRF_ setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NMRF_"))}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # otherwise each start logs a failed DNS look-up
    env.setdefault("DO_NOT_TRACK", "1")  # nor does the SDK in a worker or a deploy report to Prefect
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


# ---------------------------------------------------------------- databases

def asyncpg_url(url: str) -> str:
    """postgresql+psycopg://... (ours) -> postgresql+asyncpg://... (Prefect's driver)."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_database(admin_url: str, prefix: str) -> str:
    """A new, empty database on the server of `admin_url`; returns its psycopg URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _admin(admin_url: str, sql: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE cannot run inside one)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(sql))
    finally:
        admin.dispose()


# ---------------------------------------------------------------- processes

def stop(proc: subprocess.Popen, *, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds (a worker once ignored SIGTERM for 20 s).

    Each piece runs in its own process group, so the flow-run processes a worker
    started go with it.
    """
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_DIR) -> subprocess.Popen:
    out = log.open("ab")
    try:
        return subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        out.close()


@dataclass
class PrefectServer:
    """A running `prefect server start` on 127.0.0.1 with its records on PostgreSQL."""

    api_url: str
    home: Path
    process: subprocess.Popen
    log: Path
    workers: list[subprocess.Popen] = field(default_factory=list)

    def client_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of anything that talks to this server: the CLI, workers, flow runs."""
        return clean_env({"PREFECT_API_URL": self.api_url, "PREFECT_HOME": str(self.home),
                          "NMRF_PROJECT_DIR": str(PROJECT_DIR), **(extra or {})})

    @contextmanager
    def settings(self) -> Iterator[None]:
        """Point this process's Prefect client at the server for a while."""
        # Imported here: Prefect takes 3-5 s to import (measured on the 2-core machine); only what talks to a server pays it.
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: self.api_url}):
            yield

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_healthy(api_url: str, process: subprocess.Popen | None = None, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with {process.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the Prefect server at {api_url} was not healthy after {timeout:.0f} s")


def start_server(*, database_url: str, home: Path, port: int | None = None) -> PrefectServer:
    """`prefect server start` on 127.0.0.1, its records in `database_url` (PostgreSQL).

    About 14 s on a new database (Prefect creates its tables), a few on a restart.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = clean_env({
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(database_url),
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    })
    log = home / "server.log"
    proc = _spawn([_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log)
    server = PrefectServer(api_url=f"http://127.0.0.1:{port}/api", home=home, process=proc, log=log)
    try:
        wait_healthy(server.api_url, proc)
    except Exception as exc:
        stop(proc)
        raise RuntimeError(f"{exc}\n--- server log ---\n{server.tail()}") from exc
    return server


def run_cli(server: PrefectServer, args: list[str], *, extra_env: Mapping[str, str] | None = None,
            timeout: float = 120.0) -> str:
    """Run `prefect ...` against the server from the project folder; raise with its output on failure."""
    return run_prefect(args, env=server.client_env(extra_env), timeout=timeout)


def run_prefect(args: list[str], *, env: Mapping[str, str], timeout: float = 120.0) -> str:
    done = subprocess.run([_bin("prefect"), "--no-prompt", *args], env=dict(env), cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"prefect {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_workers(server: PrefectServer, n: int, *, limit: int | None = None, query_seconds: float = 1.0,
                  extra_env: Mapping[str, str] | None = None) -> list[subprocess.Popen]:
    """`prefect worker start --pool nmrf --type process` n times (named worker-1, worker-2, ...).

    Each worker polls the server every `query_seconds` (Prefect's default is 10) and
    runs each flow run it takes in a new process.
    """
    env = server.client_env({"PREFECT_WORKER_QUERY_SECONDS": str(query_seconds), **(extra_env or {})})
    started = []
    for i in range(len(server.workers) + 1, len(server.workers) + n + 1):
        args = [_bin("prefect"), "worker", "start", "--pool", POOL, "--type", "process", "--name", f"worker-{i}"]
        if limit:
            args += ["--limit", str(limit)]
        started.append(_spawn(args, env, server.home / f"worker-{i}.log"))
    server.workers.extend(started)
    return started


def wait_workers_online(server: PrefectServer, n: int, timeout: float = 60.0) -> None:
    """Until the pool has `n` workers that have sent a heartbeat."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = httpx.post(f"{server.api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=5)
        if r.status_code == 200 and sum(1 for w in r.json() if w.get("status") == "ONLINE") >= n:
            return
        for w in server.workers:
            if w.poll() is not None:
                raise RuntimeError(f"a worker exited with {w.returncode}")
        time.sleep(0.5)
    raise TimeoutError(f"fewer than {n} workers online after {timeout:.0f} s")


def stop_all(server: PrefectServer) -> None:
    for w in server.workers:
        stop(w)
    server.workers.clear()
    stop(server.process)


# ---------------------------------------------------------------- setting a server up for nmrf

def save_secrets(values: Mapping[str, str]) -> list[str]:
    """Save each NMRF_* value as the Secret block prefect.yaml refers to; return the block names.

    Uses this process's Prefect settings (PREFECT_API_URL). The values never appear in
    prefect.yaml, a deployment or a log: workers resolve the references at run time.
    """
    # Imported here: Prefect takes 3-5 s to import (measured on the 2-core machine); only what talks to a server pays it.
    from prefect.blocks.system import Secret

    saved = []
    for block, variable in SECRET_BLOCKS.items():
        value = values.get(variable)
        if value:
            Secret(value=value).save(block, overwrite=True)
            saved.append(block)
    return saved


def ensure_pool(*, concurrency_limit: int | None = None) -> None:
    """The process work pool `nmrf`, created if missing (this process's PREFECT_API_URL)."""
    # Imported here: Prefect takes 3-5 s to import (measured on the 2-core machine); only what talks to a server pays it.
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(POOL)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process", concurrency_limit=concurrency_limit))


def deploy(server: PrefectServer) -> str:
    """`prefect --no-prompt deploy --all` from the project folder (prefect.yaml)."""
    return run_cli(server, ["deploy", "--all"])


def setup(*, secrets: Mapping[str, str], deploy_env: Mapping[str, str],
          watch_seconds: float | None = None) -> dict[str, Any]:
    """What `nmrf prefect setup` does, against this process's PREFECT_API_URL: the Secret
    blocks, the work pool, `prefect deploy --all`, and (unless None) the sweep watch."""
    blocks = save_secrets(secrets)
    ensure_pool()
    run_prefect(["deploy", "--all"], env=deploy_env)
    automation = ensure_sweep_watch(within_seconds=watch_seconds) if watch_seconds is not None else None
    return {"blocks": blocks, "automation": automation.name if automation else None}


def setup_server(server: PrefectServer, *, secrets: Mapping[str, str],
                 watch_seconds: float | None = None) -> dict[str, Any]:
    with server.settings():
        return setup(secrets=secrets, deploy_env=server.client_env(), watch_seconds=watch_seconds)
