"""Log-in that refuses the demo's published passwords unless ``DEBUG`` is on.

``make demo`` prints the demo accounts' passwords, and ``fixtures/demo.json`` carries their
hashes: a shop that ever ran with demo data must not let them in once it runs for real.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

DEMO_PASSWORD = "tailor-demo"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "tailor-admin"
PUBLISHED_PASSWORDS = frozenset({DEMO_PASSWORD, ADMIN_PASSWORD})


class DemoPasswordsOnlyInDebug(ModelBackend):
    """Django's ``ModelBackend``, except that a published demo password is never accepted
    with ``DEBUG`` off, whichever account it is tried on."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password in PUBLISHED_PASSWORDS and not settings.DEBUG:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
