import pytest
from celery.signals import after_task_publish


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
