from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shop.models import Product

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "tailor-admin"


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
        self.stdout.write(
            self.style.SUCCESS(
                "\nTailor is starting.\n"
                "  Shop:  http://127.0.0.1:8000/\n"
                f"  Admin: http://127.0.0.1:8000/admin/  (user {ADMIN_USERNAME}, "
                f"password {ADMIN_PASSWORD})\n"
                "  Stop with Ctrl-C.\n"
            )
        )
