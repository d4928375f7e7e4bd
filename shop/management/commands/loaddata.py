"""``manage.py loaddata``, with one addition for the demo fixture (``loaddata demo``).

Django's own command loads any fixture as it always has. For ``demo`` it first checks that the
database has none of the demo's kinds of rows (loading a whole shop over another would mix
the two and overwrite rows that share a pk), and refuses with the tables it found; once loaded,
it moves the demo's dates so its history ends today, and clears the cache. All in one
transaction: on any error nothing is left behind.
"""

from datetime import UTC, datetime

from django.core.cache import cache
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.db import transaction

from shop import demo_fixture


class Command(loaddata.Command):
    help = (
        loaddata.Command.help + " The demo fixture (`loaddata demo`) loads only into a database "
        "without shop data, and its dates move so its history ends today (--keep-dates: don't)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--keep-dates",
            action="store_true",
            help="Demo fixture: keep the dates it was made with; don't end its history today.",
        )

    def handle(self, *fixture_labels, **options):
        if demo_fixture.LABEL not in fixture_labels:
            return super().handle(*fixture_labels, **options)
        using = options["database"]
        with transaction.atomic(using=using):
            refuse_unless_empty(using)
            super().handle(*fixture_labels, **options)
            if not options["keep_dates"]:
                days = (datetime.now(UTC).date() - demo_fixture.fixture_until()).days
                demo_fixture.move_dates(days, using)
            transaction.on_commit(cache.clear, using=using)


def refuse_unless_empty(using: str) -> None:
    found = demo_fixture.existing_rows(using)
    if found:
        listed = [f"{label} ({count:,})" for label, count in found.items()]
        rows = ", ".join(listed[:4]) + (f" and {len(listed) - 4} more" if len(listed) > 4 else "")
        raise CommandError(
            "The demo fixture loads only into a database without shop data; this one has rows "
            f"in {rows}. Nothing was loaded and nothing changed. Load it into a new database "
            "(createdb, then migrate), or empty this one first with `manage.py flush`."
        )
