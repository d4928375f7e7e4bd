"""Notification fan-out: one price drop to 100,000 followers, delivered by one real Celery worker.

Builds ``tailor_notify_bench`` (migrated; 100,000 users following one product, written with
INSERT … SELECT; reused while it holds them), starts one ``celery worker --pool=solo`` on Redis
database 4 and a queue of its own, lowers the product's price with ``save()`` in a transaction —
the admin's path: the signal records the change and the commit enqueues ``fan_out`` — and times
until every follower has the notification (the change is marked fanned out), then until every
instant e-mail is sent. Twice, each with a fresh worker: every follower with
e-mail switched off (inbox only), and with the defaults (inbox and an instant e-mail each,
through Django's file e-mail backend). Peak memory is the worker's VmHWM beside its RSS when
idle; the baseline, in the same run, is the bare ``INSERT … SELECT`` of the same 100,000
notification rows in one statement.

    .venv/bin/python benchmarks/run.py --only notifications [--quick] [--fresh]
"""

import argparse
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.services import (
    BIN,
    POSTGRES,
    REPO,
    WORK_DIR,
    database_exists,
    environment,
    kill_group,
    manage,
    recreate_database,
    setup_django,
    stop_on_sigterm,
)

DATABASE = "tailor_notify_bench"
REDIS_DB = 4
FOLLOWERS = {False: 100_000, True: 10_000}
TARGET_SECONDS = 30
QUEUE = f"bench-notify-{uuid.uuid4().hex[:8]}"
MAIL_DIR = WORK_DIR / DATABASE / "mail"
SKU = "BENCH-FOLLOWED"


@dataclass
class Run:
    name: str
    seconds: float = 0.0  # until every follower has the notification (fanned out)
    email_seconds: float = 0.0  # until every instant e-mail is sent
    notifications: int = 0
    emails: int = 0
    tasks: int = 0
    idle_mb: float = 0.0
    peak_mb: float = 0.0


# --- Data -----------------------------------------------------------------------------------


def database_ready(followers: int) -> bool:
    if not database_exists(DATABASE):
        return False
    found = subprocess.run(
        [
            "psql",
            *POSTGRES,
            "-d",
            DATABASE,
            "-tAc",
            "SELECT count(*) FROM preferences_subscription",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return found.stdout.strip() == str(followers)


def write_followers(followers: int) -> None:
    """One product, ``followers`` users following it for price drops; nothing else."""
    from django.db import connection

    from shop.models import Brand, Category, Colour, Material, Product

    product = Product.objects.create(
        sku=SKU,
        slug="followed",
        name="Followed tent",
        price="1000.00",
        stock=10,
        brand=Brand.objects.create(name="Bench", slug="bench"),
        category=Category.objects.create(name="Bench", slug="bench"),
        colour=Colour.objects.create(name="Grey", slug="grey", hex="#888888"),
        material=Material.objects.create(name="Nylon", slug="nylon"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT '!', false, 'follower' || n, "
            "'Sam', '', 'follower' || n || '@example.com', false, true, now() "
            "FROM generate_series(1, %s) AS n",
            [followers],
        )
        cursor.execute(
            "INSERT INTO preferences_subscription (user_id, kind, product_id, is_active, "
            "created_at) SELECT id, 'price_drop', %s, true, now() FROM auth_user",
            [product.pk],
        )
        cursor.execute("VACUUM ANALYZE")


def reset() -> None:
    """No notifications, changes or channel choices left from an earlier run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE preferences_notification, preferences_productchange, "
            "preferences_deliverysetting"
        )
        cursor.execute("VACUUM ANALYZE preferences_notification")


def checkpoint() -> None:
    """Write out what earlier steps dirtied, so no run pays for another's checkpoint."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def email_off() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO preferences_deliverysetting (user_id, topic, inbox, email) "
            "SELECT user_id, 'price', true, 'off' FROM preferences_subscription"
        )
        # As autovacuum would soon: without statistics the per-batch lookup scans the table.
        cursor.execute("ANALYZE preferences_deliverysetting")


# --- Measuring --------------------------------------------------------------------------------


def baseline_seconds() -> float:
    """The same rows as the fan-out inserts, in one INSERT … SELECT, committed; then removed."""
    from django.db import connection, transaction

    from preferences.models import ProductChange
    from shop.models import Product

    product = Product.objects.get(sku=SKU)
    change = ProductChange.objects.create(
        product=product,
        old_price=product.price,
        new_price=product.price,
        old_stock=10,
        new_stock=10,
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO preferences_notification (user_id, change_id, subscription_id, reason, "
            "title, in_inbox, email, created_at) SELECT user_id, %s, id, kind, "
            "'Followed tent dropped to €99.00 (was €100.00)', true, 'off', now() "
            "FROM preferences_subscription WHERE product_id = %s ON CONFLICT DO NOTHING",
            [change.pk, product.pk],
        )
    seconds = time.perf_counter() - started
    reset()
    return seconds


def start_worker(env) -> subprocess.Popen:
    log = WORK_DIR / DATABASE / "worker.log"
    command = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-Q",
        QUEUE,
        "-n",
        f"{QUEUE}@%h",
        "--loglevel=info",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    with log.open("w") as out:
        worker = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    time.sleep(1)  # let its RSS settle before reading the idle figure
    return worker


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fan_out_once(run: Run, env) -> None:
    """Lower the price by 1 € with a fresh worker running; time the fan-out and the e-mails."""
    from django.db import transaction

    from preferences.models import Notification, ProductChange
    from shop.models import Product

    shutil.rmtree(MAIL_DIR, ignore_errors=True)
    MAIL_DIR.mkdir(parents=True)
    checkpoint()
    worker = start_worker(env)
    try:
        run.idle_mb = memory_mb(worker.pid, "VmRSS")
        product = Product.objects.get(sku=SKU)
        product.price -= 1
        started = time.perf_counter()
        with transaction.atomic():
            product.save()
        change = ProductChange.objects.get()
        fanned_out = ProductChange.objects.filter(pk=change.pk, fanned_out_at__isnull=False)
        mailing = Notification.objects.filter(
            change=change, email="instant", emailed_at__isnull=True
        )
        run.seconds = wait(worker, started, fanned_out.exists)
        run.email_seconds = wait(worker, started, lambda: not mailing.exists())
        run.peak_mb = memory_mb(worker.pid, "VmHWM")
    finally:
        kill_group(worker)
    run.notifications = Notification.objects.filter(change=change).count()
    run.emails = Notification.objects.filter(change=change, emailed_at__isnull=False).count()
    log = (WORK_DIR / DATABASE / "worker.log").read_text()
    run.tasks = log.count("] succeeded in ")


def wait(worker, started: float, done) -> float:
    """Seconds since ``started`` once ``done()`` holds (polled every 20 ms)."""
    while not done():
        if worker.poll() is not None:
            raise RuntimeError("the worker died")
        time.sleep(0.02)
    return time.perf_counter() - started


def run_all(args) -> list[str]:
    followers = FOLLOWERS[args.quick]
    env = environment(
        DATABASE,
        REDIS_DB,
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(MAIL_DIR),
    )
    (WORK_DIR / DATABASE).mkdir(parents=True, exist_ok=True)
    fresh = args.fresh or not database_ready(followers)
    if fresh:
        recreate_database(DATABASE)
    manage(env, "migrate", "--noinput", "-v0", timeout=900)
    setup_django(env)
    from config.celery import app

    app.conf.task_default_queue = QUEUE
    if fresh:
        write_followers(followers)
    header = report.header(
        "Notifications",
        "python -m benchmarks.notifications" + (" --quick" if args.quick else ""),
        f"{followers:,} users following one product for price drops in `{DATABASE}` "
        f"({'built' if fresh else 'reused'}), one price drop each run",
        args.quick,
    )
    reset()
    checkpoint()
    bare = baseline_seconds()
    runs = [Run("inbox only (e-mail switched off)"), Run("inbox + instant e-mail (defaults)")]
    email_off()
    fan_out_once(runs[0], env)
    reset()
    fan_out_once(runs[1], env)
    shutil.rmtree(MAIL_DIR, ignore_errors=True)
    cleanup_redis()
    return section(header, followers, bare, runs)


def cleanup_redis() -> None:
    import redis

    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    keys = list(client.scan_iter(match=f"*{QUEUE}*"))
    if keys:
        client.delete(*keys)


def section(header, followers: int, bare: float, runs: list[Run]) -> list[str]:
    from django.conf import settings

    rows = [
        [
            "bare `INSERT … SELECT` of the notification rows (baseline)",
            f"{followers:,}",
            "—",
            "1 statement",
            f"{bare:.2f}",
            "1.0×",
            "—",
            "—",
        ]
    ]
    rows += [
        [
            run.name,
            f"{run.notifications:,}",
            f"{run.emails:,}",
            f"{run.tasks} tasks",
            f"{run.seconds:.1f}",
            f"{run.seconds / bare:.0f}×",
            f"{run.email_seconds:.1f}" if run.emails else "—",
            f"{run.peak_mb:,.0f} (idle {run.idle_mb:,.0f})",
        ]
        for run in runs
    ]
    inbox, mailed = runs[1].seconds, runs[1].email_seconds
    lines = header + [
        "One real worker (`--pool=solo`) does everything: `preferences.tasks.fan_out` takes "
        f"{settings.TAILOR_FAN_OUT_BATCH:,} followers per task and enqueues the next batch; "
        "after the last, one `send_instant_emails` task per span of as many followers. *Fanned "
        "out* runs from the product save (its commit enqueues the first task) until every "
        "follower has the notification in their inbox and the change is marked fanned out; "
        "*all e-mailed* until the last instant e-mail is sent (Django's file e-mail backend). "
        "Peak RSS is the worker process's VmHWM, beside its RSS idle after start-up. Each "
        "run starts after a `CHECKPOINT`, so none pays for the writes of the step before.",
        "",
    ]
    lines += report.table(
        [
            "run",
            "notifications",
            "e-mails sent",
            "tasks",
            "fanned out s",
            "× baseline",
            "all e-mailed s",
            "worker peak RSS MB",
        ],
        rows,
    )
    lines += [
        f"Target: one price drop to {followers:,} followers in under {TARGET_SECONDS} s with "
        f"one worker — fanned out (every inbox): "
        f"{report.verdict(max(runs[0].seconds, inbox) < TARGET_SECONDS)} "
        f"({runs[0].seconds:.1f} s inbox only, {inbox:.1f} s with e-mail on); every instant "
        f"e-mail sent as well: {report.verdict(mailed < TARGET_SECONDS)} ({mailed:.1f} s, "
        f"{(mailed - inbox) / max(runs[1].emails, 1) * 1000:.2f} ms per e-mail after the "
        "fan-out). E-mail spans are independent tasks: more workers share them.",
        "",
    ]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 followers.")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the database.")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    lines = run_all(args)
    report.write_section("notifications", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
