"""The Celery app: settings come from Django's settings under the CELERY_ namespace."""

import os

# implicit and scipy each bundle OpenBLAS; one thread per process is fastest on 2 cores and
# silences their warnings. It must be set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery import Celery  # noqa: E402

app = Celery("tailor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
