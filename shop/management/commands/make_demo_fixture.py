"""``manage.py make_demo_fixture``: write fixtures/demo.json from a freshly seeded demo shop.

Run by ``make fixtures``, which gives it an empty SQLite database of its own; the clock is
fixed here (``TAILOR_AS_OF``); see ``shop.demo_fixture``.
"""

from io import StringIO

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from shop import demo_fixture


class Command(BaseCommand):
    help = (
        "Seed the demo on a fixed clock into this (empty) database, then write "
        "fixtures/demo.json and fixtures/demo-meta.json. Use `make fixtures`."
    )

    def handle(self, *args, **options):
        found = demo_fixture.existing_rows()
        if found:
            raise CommandError(
                "This database is not empty (" + ", ".join(found) + "): use `make fixtures`, "
                "which makes a fresh one."
            )
        started = timezone.now()
        # Bands and sales counts are computed as of the fixed clock, not today.
        with override_settings(TAILOR_AS_OF=demo_fixture.UNTIL.isoformat()):
            demo_fixture.seed(StringIO())
        demo_fixture.settle_clock(started)
        text, counts = demo_fixture.dump()
        data = text.encode()
        demo_fixture.FIXTURE.write_bytes(data)
        demo_fixture.META.write_text(demo_fixture.meta(counts, len(data)))
        self.stdout.write(
            f"Wrote {demo_fixture.FIXTURE.name}: {sum(counts.values()):,} objects, "
            f"{len(data) / 1e6:.1f} MB; and {demo_fixture.META.name}."
        )
