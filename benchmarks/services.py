"""The benchmarks' databases, environment and child processes.

Everything a benchmark starts runs in its own process group, with a time limit, and is killed
with its children when the limit passes or the benchmark stops.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = (
    str(REPO / ".venv" / "bin" / "python")
    if (REPO / ".venv" / "bin" / "python").exists()
    else sys.executable
)
BIN = Path(PYTHON).parent
# Static files, caches and logs of the benchmarks stay out of the working tree's var/.
WORK_DIR = Path(os.environ.get("TAILOR_BENCH_DIR", "/tmp/tailor-bench"))
POSTGRES = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
SECRET_KEY = "benchmark-only-secret-key-0c6f1d2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"


def environment(database: str, redis_db: int, **extra) -> dict[str, str]:
    """The environment of a production-like process on ``database`` and a Redis database."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "TAILOR_VAR_DIR": str(WORK_DIR / database),
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "PYTHONPATH": str(REPO),
            "OPENBLAS_NUM_THREADS": "1",
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process from ``env`` (call once, before any model import)."""
    os.environ.update(env)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def database_exists(name: str) -> bool:
    found = subprocess.run(
        ["psql", *POSTGRES, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return found.stdout.strip() == "1"


def recreate_database(name: str) -> None:
    subprocess.run(
        ["dropdb", *POSTGRES, "--if-exists", "--force", name],
        check=True,
        timeout=120,
        capture_output=True,
    )
    subprocess.run(["createdb", *POSTGRES, name], check=True, timeout=60, capture_output=True)


def flush_redis(db: int) -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-n", str(db), "flushdb"],
        check=True,
        timeout=30,
        capture_output=True,
    )


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run a management command; its output, or an error with the tail of its log."""
    log = WORK_DIR / "manage.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    text = log.read_text()
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{text[-3000:]}")
    return text


@dataclass
class Finished:
    """A child process's result: exit code, wall time, peak RSS and its output."""

    returncode: int | None
    seconds: float
    max_rss_mb: float
    stdout: str
    stderr: str
    stopped: str = ""  # "time limit" or "memory cap" when it was killed

    def json(self):
        """The last line of stdout, read as JSON."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        if self.returncode != 0 or not lines:
            raise RuntimeError(
                f"child failed ({self.returncode}, {self.stopped}):\n{self.stderr[-3000:]}"
            )
        return json.loads(lines[-1])


def run_measured(
    command: list[str], env: dict[str, str], *, timeout: float, memory_cap_mb: float | None = None
) -> Finished:
    """Run ``command`` in its own process group; wall time and peak RSS from ``wait4``.

    Past ``timeout`` seconds, or past ``memory_cap_mb`` of resident memory, the group is
    killed and ``stopped`` says why.
    """
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    out_path, err_path = WORK_DIR / "child.out", WORK_DIR / "child.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=err, start_new_session=True
        )
        stopped = ""
        try:
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout:
                    stopped = "time limit"
                elif memory_cap_mb and _rss_mb(child.pid) > memory_cap_mb:
                    stopped = "memory cap"
                if stopped:
                    status, usage = _terminate_and_reap(child.pid)
                    break
                time.sleep(0.02)
        except BaseException:
            _terminate_and_reap(child.pid)
            raise
        seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        None if stopped else child.returncode,
        seconds,
        usage.ru_maxrss / 1024,
        out_path.read_text(),
        err_path.read_text(),
        stopped,
    )


def _terminate_and_reap(pid: int, grace: float = 5.0):
    """SIGTERM the group, SIGKILL what is left after ``grace``; the leader's status and usage."""
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            _signal_group(pid, signal.SIGKILL)
            return status, usage
        time.sleep(0.05)
    _signal_group(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, usage


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def kill_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    # Whatever the leader left behind (a worker that ignored SIGTERM) goes too.
    _signal_group(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def stop_on_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit``, so ``finally`` blocks stop the servers we started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def python_module(module: str, *args: str) -> list[str]:
    return [PYTHON, "-m", module, *args]
