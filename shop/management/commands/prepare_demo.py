from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from personalization.demo_personas import PERSONAS
from shop.backends import ADMIN_PASSWORD, ADMIN_USERNAME, DEMO_PASSWORD
from shop.models import Product


class Command(BaseCommand):
    help = "Seed the demo data if the database is empty, make the demo admin, print how to log in."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo accounts have well-known passwords: run with DEBUG on.")
        if Product.objects.exists():
            self.stdout.write("Demo data already present: keeping it (seed_demo resets it).")
        else:
            call_command("seed_demo")
        admin, created = User.objects.get_or_create(
            username=ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(ADMIN_PASSWORD)
            admin.save()
        self.stdout.write(self.style.SUCCESS(self.how_to_log_in()))

    def how_to_log_in(self) -> str:
        present = set(
            User.objects.filter(username__in=[p.username for p in PERSONAS]).values_list(
                "username", flat=True
            )
        )
        shoppers = [f"    {p.username:<6} {p.story}" for p in PERSONAS if p.username in present]
        lines = [
            "",
            "Tailor is starting.",
            "  Shop:  http://127.0.0.1:8000/",
            f"  Admin: http://127.0.0.1:8000/admin/  (user {ADMIN_USERNAME}, "
            f"password {ADMIN_PASSWORD})",
        ]
        if shoppers:
            lines += [
                f"  Log in at http://127.0.0.1:8000/account/login/ as a named shopper "
                f"(password {DEMO_PASSWORD}) and compare their home pages:",
                *shoppers,
            ]
        lines += ["  (These passwords work only with DEBUG on.) Stop with Ctrl-C.", ""]
        return "\n".join(lines)
