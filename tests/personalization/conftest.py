import io

import pytest
from celery.signals import after_task_publish
from django.core.management import call_command

from personalization.models import Band


@pytest.fixture
def published():
    """Tasks this test published (to the harness's in-memory broker): [(task name, args)]."""
    sent = []

    def record(sender=None, headers=None, body=None, **kwargs):
        sent.append((headers["task"], list(body[0])))

    after_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(record)


@pytest.fixture
def default_bands():
    """The default bands of fixtures/bands.json, by slug."""
    call_command("setup_bands", stdout=io.StringIO())
    return {band.slug: band for band in Band.objects.all()}
