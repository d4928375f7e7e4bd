from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule

from personalization.bands import forget_cached_bands
from personalization.models import Band


class Command(BaseCommand):
    help = ("Load the default bands (fixtures/bands.json) and give each computed band without a "
            "schedule an hourly recompute, staggered so they don't all start at once.")

    def handle(self, *args, **options):
        call_command("loaddata", "bands", verbosity=0)
        computed = Band.objects.exclude(algorithm="recently_viewed").order_by("pk")
        for minute, band in enumerate(computed, start=1):
            if band.schedule_id is None:
                band.schedule, _ = CrontabSchedule.objects.get_or_create(
                    minute=str(minute * 3 % 60), hour="*", day_of_week="*", day_of_month="*",
                    month_of_year="*", timezone="UTC",
                )
                band.save(update_fields=["schedule"])
            band.sync_schedule()
        forget_cached_bands()
        self.stdout.write(f"{Band.objects.count()} bands ready, {computed.count()} scheduled.")
