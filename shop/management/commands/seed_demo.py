"""``manage.py seed_demo``: replace the demo catalog, shoppers and behaviour with fresh ones."""

import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from personalization import demo as behaviour_demo
from personalization.demo_personas import PERSONAS
from personalization.demo_traffic import write_band_traffic
from personalization.lifecycle import RETURNING_AFTER
from personalization.models import Event
from personalization.rollup import roll_up
from preferences import demo as follows_demo
from shop import demo as catalog_demo
from shop.tasks import refresh_sales_counts


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Delete what an earlier seed_demo made, then generate a demo catalog, shoppers and "
        "their behaviour. The same --seed and --until give the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=positive_int, default=2000)
        parser.add_argument("--shoppers", type=positive_int, default=500)
        parser.add_argument(
            "--days", type=positive_int, default=90, help="Days of behaviour before --until."
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="YYYY-MM-DD; behaviour ends at its midnight UTC (default today).",
        )
        parser.add_argument(
            "--no-bands", action="store_true", help="Load the default bands but don't compute them."
        )

    def handle(self, *args, **options):
        # tqdm redraws its line with "\r"; Django's OutputWrapper would end each redraw with a
        # newline, so the bars write to the raw stream.
        self.stream = options.get("stderr") or sys.stderr
        self.quiet = options["verbosity"] == 0
        until = datetime.combine(options["until"] or timezone.now().date(), time(), tzinfo=UTC)
        params = behaviour_demo.Params(days=options["days"])
        demo = behaviour_demo.simulate(
            options["seed"], options["products"], options["shoppers"], until, params
        )
        with transaction.atomic():
            self.load_reference_data()
            self.remove_earlier_demo_data()
            first_product = self.create_catalog(demo)
            first_user = self.create_shoppers(demo)
            counts = self.simulate_behaviour(demo, first_product, first_user)
            counts["follows"] = self.create_follows(
                options["seed"], demo, first_product, first_user
            )
        self.report(demo, counts, until)
        self.point_at_a_returning_shopper(until)
        refresh_sales_counts()
        call_command("setup_bands", stdout=self.stdout)
        self.simulate_band_traffic(options["seed"], until, params.days)
        if not options["no_bands"]:
            call_command("recompute_bands", stdout=self.stdout)

    @contextmanager
    def step(self, name: str, total: int, unit: str = "row"):
        """A progress bar on stderr; yields the function that advances it."""
        with tqdm(
            total=total,
            desc=name,
            unit=unit,
            file=self.stream,
            disable=self.quiet,
            dynamic_ncols=True,
        ) as bar:
            yield bar.update

    def load_reference_data(self):
        with self.step("Loading reference data", 1, "step") as advance:
            call_command("loaddata", "colours", "materials", "categories", verbosity=0)
            advance(1)

    def remove_earlier_demo_data(self):
        with self.step("Removing earlier demo data", 2, "step") as advance:
            behaviour_demo.delete_demo_behaviour()
            advance(1)
            catalog_demo.delete_demo_catalog()
            advance(1)

    def create_catalog(self, demo) -> int:
        with self.step("Creating catalog", len(demo.products), "product") as advance:
            try:
                return catalog_demo.write_catalog(demo.brands, demo.products, advance)
            except KeyError as error:
                raise CommandError(f"Reference data lacks {error}: check fixtures/.") from error

    def create_shoppers(self, demo) -> int:
        with self.step("Creating shoppers", len(demo.shoppers), "shopper") as advance:
            return behaviour_demo.write_shoppers(demo.shoppers, advance)

    def simulate_behaviour(self, demo, first_product: int, first_user: int):
        visits = len(demo.plan.starts) + sum(p.visits for p in PERSONAS)
        with self.step("Simulating behaviour", visits, "session") as advance:
            return behaviour_demo.write_sessions(
                demo.sessions, demo.products, first_product, first_user, advance
            )

    def simulate_band_traffic(self, seed: int, until: datetime, days: int):
        """Band impressions and clicks for the demo's visits, then their daily figures."""
        with self.step("Simulating band traffic", 2, "step") as advance:
            written = write_band_traffic(seed)
            advance(1)
            rows = roll_up(
                (until - timedelta(days=days)).date(), (until - timedelta(days=1)).date()
            )
            advance(1)
        self.stdout.write(
            f"{written:,} band impressions and clicks; {rows:,} daily band figures rolled up."
        )

    def create_follows(self, seed: int, demo, first_product: int, first_user: int) -> int:
        generated = len(demo.shoppers) - len(demo.personas)
        rows = follows_demo.follows(
            behaviour_demo.seeded(seed, "follows"), generated, demo.products
        ) + follows_demo.persona_follows(demo.personas)
        with self.step("Following products, brands and categories", 2, "step") as advance:
            written = follows_demo.write_subscriptions(rows, first_product, first_user)
            advance(1)
            follows_demo.write_persona_preferences(demo.personas, first_user)
            advance(1)
        return written

    def point_at_a_returning_shopper(self, until: datetime):
        """Name a demo shopper whose last view is two weeks or more before ``until``."""
        latest = (
            Event.objects.filter(kind=Event.Kind.VIEW, user__shopper__is_demo=True)
            .values("user__username")
            .annotate(last=Max("created_at"))
            .filter(last__lt=until - RETURNING_AFTER)
            .order_by("user__username")
            .first()
        )
        if latest:
            self.stdout.write(
                f"{latest['user__username']} was last here {latest['last']:%Y-%m-%d}: log in as "
                "them to see “Pick up where you left off”."
            )

    def report(self, demo, counts, until: datetime):
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(demo.products):,} products from {len(demo.brands)} brands, "
                f"{len(demo.shoppers):,} shoppers, {counts['orders']:,} orders with "
                f"{counts['order lines']:,} lines, and {counts['events']:,} events "
                f"({counts['view']:,} views, {counts['cart_add']:,} cart adds, "
                f"{counts['purchase']:,} purchases) up to {until:%Y-%m-%d}; demo shoppers follow "
                f"{counts['follows']:,} products, brands and categories."
            )
        )
