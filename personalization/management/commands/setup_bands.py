import json

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule

from personalization.bands import forget_cached_bands
from personalization.models import LIVE_ALGORITHMS, Band

DEFAULT_BANDS = settings.BASE_DIR / "fixtures" / "bands.json"


class Command(BaseCommand):
    help = (
        "Add the default bands (fixtures/bands.json) that are missing, and give each computed "
        "band without a schedule an hourly recompute, staggered so they don't start at once. "
        "Bands that exist are left as the admins tuned them."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        added = self.add_missing_bands()
        computed = Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS).order_by("pk")
        for minute, band in enumerate(computed, start=1):
            if band.schedule_id is None and band.slug in added:
                band.schedule, _ = CrontabSchedule.objects.get_or_create(
                    minute=str(minute * 3 % 60),
                    hour="*",
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone="UTC",
                )
                band.save(update_fields=["schedule"])
            band.sync_schedule()
        transaction.on_commit(forget_cached_bands)
        self.stdout.write(
            f"{len(added)} default band(s) added; {Band.objects.count()} bands, "
            f"{computed.filter(schedule__isnull=False).count()} scheduled."
        )

    def add_missing_bands(self) -> set[str]:
        """Create the fixture's bands whose slug is new; fallbacks are listed before users."""
        rows = json.loads(DEFAULT_BANDS.read_text())
        existing = set(Band.objects.values_list("slug", flat=True))
        missing = [row for row in rows if row["fields"]["slug"] not in existing]
        for found in serializers.deserialize("json", json.dumps(missing)):
            found.save()
        return {row["fields"]["slug"] for row in missing}
