"""Fixtures every Tailor test can lean on.

- Services: ``require_postgres``, ``require_redis`` and ``require_chromium`` skip a test with the
  reason when the service is missing, or fail it when ``REQUIRE_SERVICES=1`` (CI, where a silent
  skip would hide a broken setup). Tests marked ``integration`` require PostgreSQL and Redis,
  tests marked ``browser`` require Chromium, without asking.
- Isolation: each test gets its own local-memory cache (except ``integration`` tests, which use
  Redis on purpose), and outside ``celery_worker`` the Celery app publishes to kombu's in-memory
  transport, so ``.delay()`` in a test never reaches a real queue.
- ``celery_worker``: a real worker subprocess on Redis, reading the test database.
- Playwright drives Debian's Chromium; ``live_site`` is the running test server.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.conf import settings
from django.test import override_settings

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Unique per test session: a stale message from an earlier run can never reach this run's worker.
WORKER_QUEUE = f"tailor-test-{uuid.uuid4().hex[:12]}"
IDLE_BROKER_URL = "memory://localhost//"


# --- Services -------------------------------------------------------------------------------


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def postgres_in_use() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def missing_service(reason: str):
    """Skip the current test, or fail it when REQUIRE_SERVICES=1."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require_postgres():
    if not postgres_in_use():
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def require_redis():
    if not redis_reachable():
        missing_service("needs Redis: set REDIS_URL=redis://… to a server that answers PING")


@pytest.fixture(scope="session")
def require_chromium():
    if not chromium_available():
        missing_service(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _services_for_markers(request):
    if request.node.get_closest_marker("integration"):
        request.getfixturevalue("require_postgres")
        request.getfixturevalue("require_redis")
    if request.node.get_closest_marker("browser"):
        request.getfixturevalue("require_chromium")


# --- Isolation ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_cache(request):
    """A fresh local-memory cache per test, so nothing cached under var/ leaks into tests."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    location = f"tailor-test-{uuid.uuid4().hex}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": location,
        }
    }
    with override_settings(CACHES=caches):
        yield
        from django.core.cache import cache

        cache.clear()


def point_celery_at(broker_url: str, *, queue: str):
    """Make ``.delay()`` in this process publish to ``broker_url``, on ``queue``.

    The app read Django's settings when it was created, so overriding settings does nothing:
    change its conf and drop the broker connection pools it may already have built.
    """
    from config.celery import app

    app.conf.broker_url = broker_url
    app.conf.broker_transport_options = {}
    app.conf.task_default_queue = queue
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps closed pools in a global registry; the next publish would reuse one.
    kombu.pools.reset()


@pytest.fixture(scope="session", autouse=True)
def _celery_publishes_in_memory():
    """Tasks enqueued by code under test go nowhere unless a test asks for ``celery_worker``."""
    with pytest.MonkeyPatch.context() as patch:
        # Celery lets these variables win over its conf.
        for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL"):
            patch.delenv(name, raising=False)
        point_celery_at(IDLE_BROKER_URL, queue="celery")
        yield


# --- Celery worker --------------------------------------------------------------------------


def database_url(settings_dict) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    host = settings_dict["HOST"] or "localhost"
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class CeleryWorker:
    """A ``celery worker`` subprocess; see the ``celery_worker`` fixture."""

    queue: str
    env: dict
    mail_dir: Path
    log_dir: Path
    ready_timeout: float = 30
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    starts: int = field(default=0)

    def start(self):
        self.starts += 1
        self.log_path = self.log_dir / f"worker-{self.starts}.log"
        celery = BASE_DIR / ".venv" / "bin" / "celery"
        if not celery.exists():
            celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}-{self.starts}@%h",
            "--loglevel=info",
            # Nothing to talk to: skipping mingle saves a second per start.
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_until_ready()

    def _wait_until_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if re.search(r"\bready\.", self.log()):
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"Celery worker not ready after {self.ready_timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def mails(self) -> list[str]:
        """The messages the worker sent, one string per file, oldest first."""
        files = sorted(self.mail_dir.iterdir(), key=lambda path: path.stat().st_mtime_ns)
        return [path.read_text(errors="replace") for path in files]

    def kill(self):
        """SIGKILL: the task being run is interrupted with no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self):
        """Warm shutdown (SIGTERM), then SIGKILL if it lingers."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self):
        self.stop()
        self.start()


@pytest.fixture
def celery_worker(require_postgres, require_redis, transactional_db, tmp_path):
    """A real Celery worker running this test's tasks against the test database.

    Contract:

    - Needs PostgreSQL and Redis (skips, or fails under REQUIRE_SERVICES=1) and
      ``transactional_db``: the worker is another process, so it only sees committed rows.
    - The worker consumes one queue, unique to this test session and purged before the worker
      starts, on the Redis at ``REDIS_URL``; while the fixture is active, ``.delay()`` in the
      test process publishes to that queue.
    - Its ``DATABASE_URL`` is the test database pytest-django created; its e-mail goes to files
      in ``worker.mail_dir`` (read them with ``worker.mails()``); its var dir is a tmp dir.
    - Yields a started, ready :class:`CeleryWorker`: ``kill()`` (SIGKILL, for interrupting a
      task), ``stop()``, ``restart()`` (waits until ready again), ``log()``.
      A message a killed worker had taken comes back only after Redis' visibility timeout
      (an hour by default): a test relying on redelivery must shorten it.
    - The worker's environment is ``worker.env``: change it, then ``restart()``, to start the
      next worker differently.
    - On teardown the worker is stopped, the queue's keys are deleted from Redis and this
      process publishes in memory again.
    """
    from django.db import connection

    from config.celery import app

    redis_url = os.environ["REDIS_URL"]
    mail_dir = tmp_path / "mail"
    var_dir = tmp_path / "var"
    mail_dir.mkdir()
    var_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        # The test database is dropped at the end of the session: hold no connection to it.
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "TAILOR_VAR_DIR": str(var_dir),
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    point_celery_at(redis_url, queue=WORKER_QUEUE)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(WORKER_QUEUE)
    worker = CeleryWorker(queue=WORKER_QUEUE, env=env, mail_dir=mail_dir, log_dir=tmp_path)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        point_celery_at(IDLE_BROKER_URL, queue="celery")
        forget_queue(redis_url, WORKER_QUEUE)


def forget_queue(redis_url: str, queue: str):
    """Delete the queue's list and kombu's bindings for it, which would otherwise stay forever."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


# --- Browser ---------------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread from its first use to
    # the end of the session, which makes Django refuse ORM calls. Browser tests go last so every
    # other test runs with Django's async-safety check intact.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def playwright(_orm_beside_playwright, playwright):
    """pytest-playwright's, started only once the ORM is allowed beside its event loop."""
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, require_chromium):
    """Debian's Chromium instead of a browser downloaded by ``playwright install``."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def live_site(require_chromium, _orm_beside_playwright, transactional_db, live_server):
    """The test server's base URL, for browser tests (which also use the ORM to arrange and check).

    From the first browser test on, DJANGO_ALLOW_ASYNC_UNSAFE=true: Playwright's sync API runs an
    event loop in the test thread, and Django would otherwise refuse every ORM call there.
    """
    return live_server.url
