from django.core.management.base import BaseCommand, CommandError

from personalization.models import LIVE_ALGORITHMS, Band
from personalization.tasks import compute_and_store, recompute_band
from shop import clock


class Command(BaseCommand):
    help = (
        "Compute every enabled band now (or only the named ones) in one run that loads each "
        "input once, in this process by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Band slugs; all enabled bands if none.")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue one Celery task per band instead of computing here.",
        )
        parser.add_argument(
            "--as-of",
            default=None,
            metavar="WHEN",
            help="End the bands' windows here instead of now: 'latest-order' (for an imported "
            "history), YYYY-MM-DD or an ISO date and time. Default: TAILOR_AS_OF, else now.",
        )

    def handle(self, *args, slugs, queue, as_of, **options):
        try:
            when = clock.as_of(as_of)
        except ValueError as error:
            raise CommandError(f"--as-of: {error}") from error
        bands = self.chosen(slugs)
        if as_of is not None:
            self.stdout.write(f"Computing as of {when:%Y-%m-%d %H:%M:%S} UTC.")
        if queue:
            for band in bands:
                recompute_band.delay(band.pk, *([as_of] if as_of else []))
            self.stdout.write(f"Queued {len(bands)} band recomputes.")
            return
        compute_and_store(bands, as_of)
        for band in bands:
            band.refresh_from_db()
            self.stdout.write(
                f"  {band.slug}: {band.context_count} contexts, "
                f"{band.result_count} rows in {band.last_duration_ms / 1000:.1f} s"
            )

    def chosen(self, slugs) -> list[Band]:
        bands = Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS).order_by("pk")
        if not slugs:
            return list(bands.filter(is_enabled=True))
        bands = bands.filter(slug__in=slugs)
        unknown = set(slugs) - set(bands.values_list("slug", flat=True))
        if unknown:
            raise CommandError(f"No computed band with slug: {', '.join(sorted(unknown))}")
        return list(bands)
