from django.core.management.base import BaseCommand, CommandError

from personalization.models import Band
from personalization.tasks import compute_and_store, recompute_band


class Command(BaseCommand):
    help = ("Compute every enabled band now (or only the named ones) in one run that loads each "
            "input once, in this process by default.")

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Band slugs; all enabled bands if none.")
        parser.add_argument("--queue", action="store_true",
                            help="Queue one Celery task per band instead of computing here.")

    def handle(self, *args, slugs, queue, **options):
        bands = Band.objects.exclude(algorithm="recently_viewed").order_by("pk")
        if slugs:
            bands = bands.filter(slug__in=slugs)
            unknown = set(slugs) - set(bands.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No computed band with slug: {', '.join(sorted(unknown))}")
        else:
            bands = bands.filter(is_enabled=True)
        bands = list(bands)
        if queue:
            for band in bands:
                recompute_band.delay(band.pk)
            self.stdout.write(f"Queued {len(bands)} band recomputes.")
            return
        compute_and_store(bands)
        for band in bands:
            band.refresh_from_db()
            self.stdout.write(f"  {band.slug}: {band.context_count} contexts, "
                              f"{band.result_count} rows in {band.last_duration_ms / 1000:.1f} s")
