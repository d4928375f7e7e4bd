import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ProductFactory

BEFORE = [("personalization", "0002_bands")]
PACKED = [("personalization", "0003_band_result_one_row_per_context")]


@pytest.fixture
def at_0002(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    call_command("migrate", verbosity=0)


def test_stored_results_are_packed_per_context_in_rank_order(at_0002):
    apps = at_0002
    Band = apps.get_model("personalization", "Band")
    OldResult = apps.get_model("personalization", "BandResult")
    tent, stove, bag = (ProductFactory().pk for _ in range(3))
    band = Band.objects.create(
        slug="fbt",
        title="FBT",
        algorithm="bought_together",
        placement="product",
        current_version=3,
        last_version=3,
    )
    for version, context, rank, product_id, reason in [
        (3, "product:1", 1, bag, "Bought together in 2 orders"),
        (3, "product:1", 0, stove, "Bought together in 5 orders"),
        (3, "product:2", 0, tent, "Bought together in 4 orders"),
        (2, "product:1", 0, tent, "old"),
    ]:
        OldResult.objects.create(
            band=band,
            version=version,
            context=context,
            rank=rank,
            product_id=product_id,
            score=10.0 - rank,
            reason=reason,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(PACKED)
    Result = executor.loader.project_state(PACKED).apps.get_model("personalization", "BandResult")

    assert sorted(Result.objects.values_list("version", "context", "items")) == [
        (2, "product:1", [[tent, 10.0, "old"]]),
        (
            3,
            "product:1",
            [
                [stove, 10.0, "Bought together in 5 orders"],
                [bag, 9.0, "Bought together in 2 orders"],
            ],
        ),
        (3, "product:2", [[tent, 10.0, "Bought together in 4 orders"]]),
    ]
