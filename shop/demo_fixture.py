"""The demo fixture (``fixtures/demo.json``): writing it from a seeded shop, checking a database
is empty before loading it, and moving its dates to today once loaded.

``make fixtures`` runs ``manage.py make_demo_fixture`` on a fresh SQLite database: ``seed_demo``
with ``SEED_OPTIONS`` on a fixed clock, then ``MODELS`` serialized as ``dumpdata`` would, with
natural foreign keys, one object per line; and ``fixtures/demo-meta.json`` (the options, the
object counts and the migrations the fixture was made for, which
``tests/shop/test_demo_fixture.py`` compares with the code's). Same code, same bytes.
"""

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import models
from django.db.migrations.loader import MigrationLoader

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
META = Path(settings.BASE_DIR) / "fixtures" / "demo-meta.json"
LABEL = "demo"
UNTIL = date(2026, 11, 1)
SEED_OPTIONS = {"seed": 9, "products": 300, "shoppers": 60, "days": 45}
# Everything seed_demo and recompute_bands write. Left out: sessions, content types and
# permissions (migrations make them), the admin log, and django-celery-beat's change marker
# (``PeriodicTasks``), which beat rewrites; the bands' schedules and beat tasks are in.
MODELS = [
    "auth.user",
    "shop",
    "personalization",
    "preferences",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.periodictask",
]
BY_ID = {"personalization.event", "personalization.bandresult", "personalization.bandday"}


def fixture_models() -> list[type[models.Model]]:
    """The models ``MODELS`` names, in that order."""
    found: list[type[models.Model]] = []
    for label in MODELS:
        if "." in label:
            found.append(apps.get_model(label))
        else:
            found.extend(apps.get_app_config(label).get_models())
    return found


def migration_leaves() -> dict[str, list[str]]:
    """The latest migration(s) of every app, as the code has them now."""
    leaves: dict[str, list[str]] = {}
    for app, name in sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()):
        leaves.setdefault(app, []).append(name)
    return leaves


def existing_rows(using: str = "default") -> dict[str, int]:
    """``{"app.model": rows}`` for the fixture's models that already have rows."""
    counts = {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in fixture_models()
    }
    return {label: count for label, count in counts.items() if count}


def seed(stdout) -> None:
    """Seed the demo shop up to ``UNTIL`` (the caller fixes ``TAILOR_AS_OF`` to it too)."""
    options = [f"--{name}={value}" for name, value in SEED_OPTIONS.items()]
    call_command("seed_demo", *options, f"--until={UNTIL}", stdout=stdout, verbosity=0)


def settle_clock(started: datetime) -> None:
    """Give every moment the run stamped with the real clock (``auto_now`` fields, a band's
    last run) the fixed clock's ``UNTIL`` instead, and forget how long recomputes took."""
    until = datetime.combine(UNTIL, time(), tzinfo=UTC)
    for model in fixture_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                model._base_manager.filter(**{f"{field.name}__gte": started}).update(
                    **{field.name: until}
                )
    apps.get_model("personalization.band")._base_manager.update(last_duration_ms=None)


def dump() -> tuple[str, Counter]:
    """The fixture's text, one object per line, and its object count per model.

    Every object keeps its pk: band results, beat tasks and context strings hold raw ids.
    Foreign keys name their target by natural key (a user by username, a product by SKU, a
    band by slug) except in the bulky tables (``BY_ID``), where that would cost a query per
    row to write and to load.
    """
    lines: list[str] = []
    counts: Counter = Counter()
    chosen = fixture_models()
    for model in serializers.sort_dependencies([(None, chosen)], allow_cycles=True):
        if model not in chosen:
            continue
        related = [f.name for f in model._meta.concrete_fields if f.is_relation]
        rows = model._base_manager.select_related(*related).order_by("pk")
        text = serializers.serialize(
            "json", rows, use_natural_foreign_keys=model._meta.label_lower not in BY_ID
        )
        objects = json.loads(text)
        lines += [json.dumps(obj, ensure_ascii=False) for obj in objects]
        if objects:
            counts[model._meta.label_lower] = len(objects)
    return "[\n" + ",\n".join(lines) + "\n]\n", counts


def meta(counts: Counter, size: int) -> str:
    return (
        json.dumps(
            {
                "made_by": "make fixtures",
                "seed_demo": {**SEED_OPTIONS, "until": UNTIL.isoformat()},
                "bytes": size,
                "objects": dict(sorted(counts.items())),
                "migrations": migration_leaves(),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def fixture_until() -> date:
    """The day the fixture's behaviour ends, from ``fixtures/demo-meta.json``."""
    return date.fromisoformat(json.loads(META.read_text())["seed_demo"]["until"])


def move_dates(days: int, using: str = "default") -> None:
    """Move every date and time of the fixture's models ``days`` days later.

    Dates go through a far-off day first, so a unique key with a date in it (a band's day of
    figures) never meets its own later day halfway through.
    """
    if days == 0:
        return
    for model in fixture_models():
        manager = model._base_manager.db_manager(using)
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                manager.update(**{field.name: models.F(field.name) + timedelta(days=days)})
            elif isinstance(field, models.DateField):
                _move_dates_of(manager, field.name, days)


def _move_dates_of(manager, name: str, days: int) -> None:
    rows = list(manager.exclude(**{f"{name}__isnull": True}).only("pk", name))
    for step in (days + 36525, -36525):
        for row in rows:
            setattr(row, name, getattr(row, name) + timedelta(days=step))
        manager.bulk_update(rows, [name], batch_size=1000)
