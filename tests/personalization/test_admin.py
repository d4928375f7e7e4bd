"""Admins tune bands in Django admin: list, edit, recompute, preview; and the band click link."""

import json

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from personalization.bands import PageContext, bands_for
from personalization.models import Algorithm, Band, BandResult, Event, Placement
from tests.factories import CategoryFactory, ProductFactory, ShopperFactory, accept_tracking
from tests.personalization.factories import BandFactory, CrontabFactory, store, visitor

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:personalization_band_changelist"


def preview_url(band):
    return reverse("admin:personalization_band_preview", args=[band.pk])


# --- Changelist and change page ---------------------------------------------------------------


def test_band_changelist_lists_every_band_in_a_fixed_number_of_queries(
    admin_client, default_bands, django_assert_max_num_queries
):
    store(default_bands["best-sellers"], [("", ProductFactory(), "Sold 3")])

    # The user, the count, the page of bands with their fallbacks (13 bands: 4 queries today).
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    page = response.content.decode()
    for band in default_bands.values():
        assert band.title in page
    assert preview_url(default_bands["best-sellers"]) in page


def test_band_change_page_loads_in_a_fixed_number_of_queries(
    admin_client, default_bands, django_assert_max_num_queries
):
    band = default_bands["bought-together"]
    band.pinned_products.add(*ProductFactory.create_batch(3))
    band.blocked_products.add(*ProductFactory.create_batch(3))

    # The user, the band, its pins and blocks, the schedule and fallback choices (9 today).
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:personalization_band_change", args=[band.pk]))

    assert response.status_code == 200
    assert "Frequently bought together" in response.content.decode()


# --- Recompute now ----------------------------------------------------------------------------


def test_recompute_now_enqueues_on_commit_and_says_so(
    admin_client, default_bands, published, django_capture_on_commit_callbacks
):
    chosen = [default_bands[slug] for slug in ("best-sellers", "trending", "recently-viewed")]

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse(CHANGELIST),
            {
                "action": "recompute_now",
                "_selected_action": [band.pk for band in chosen],
            },
            follow=True,
        )
        assert published == []

    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(published) == sorted(
        ("personalization.tasks.recompute_band", [band.pk]) for band in chosen[:2]
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Queued a recompute of 2 band(s); 1 live band(s) need none."
    ]
    assert not BandResult.objects.exists()


# --- Preview ----------------------------------------------------------------------------------


@pytest.fixture
def for_you():
    """A "for you" band falling back to best sellers, with a result for one shopper."""
    shopper = ShopperFactory(user__password=None, country="NL")
    tent, bag = ProductFactory(name="Ridge tent"), ProductFactory(name="Down sleeping bag")
    best = BandFactory(title="Best sellers", position=4)
    band = BandFactory(
        title="Recommended for you",
        algorithm=Algorithm.FOR_YOU,
        fallback=best,
        min_items=1,
        position=1,
    )
    store(band, [(f"visitor:u{shopper.user.pk}", bag, "Because you bought Ridge tent")])
    store(best, [("", tent, "30 sold in the last 30 days")])
    return band, shopper.user


def test_preview_as_a_chosen_shopper_shows_their_items_with_reasons(admin_client, for_you):
    band, user = for_you

    response = admin_client.get(preview_url(band), {"shopper": user.pk})

    assert response.status_code == 200
    shown = response.context["shown"]
    assert [(i.card.name, i.reason) for i in shown.items] == [
        ("Down sleeping bag", "Because you bought Ridge tent")
    ]
    page = response.content.decode()
    assert "Because you bought Ridge tent" in page
    assert "Ridge tent" not in page.replace("Because you bought Ridge tent", "")


def test_preview_as_an_anonymous_visitor_shows_the_fallback(admin_client, for_you):
    band, _ = for_you

    response = admin_client.get(preview_url(band), {"shopper": ""})

    assert response.status_code == 200
    shown = response.context["shown"]
    assert shown.band.title == "Best sellers" and shown.fallback_for == band
    page = response.content.decode()
    assert "30 sold in the last 30 days" in page
    assert "fallback for “Recommended for you”" in page


def test_preview_of_a_product_band_on_a_chosen_product(admin_client):
    tent, bag = ProductFactory(name="Ridge tent"), ProductFactory(name="Down sleeping bag")
    band = BandFactory(
        title="Bought together", algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT
    )
    store(band, [(f"product:{tent.pk}", bag, "Bought together in 30 orders")])

    response = admin_client.get(preview_url(band), {"product": tent.pk})

    assert "Bought together in 30 orders" in response.content.decode()


def test_preview_of_a_category_band_in_a_chosen_category(admin_client):
    tents = CategoryFactory(slug="tents")
    tent = ProductFactory(category=tents)
    band = BandFactory(title="Best in category", placement=Placement.CATEGORY)
    store(band, [(f"category:{tents.pk}", tent, "In 4 orders this week")])

    response = admin_client.get(preview_url(band), {"category": "tents"})

    assert "In 4 orders this week" in response.content.decode()


def test_preview_without_a_query_shows_only_the_form(admin_client, for_you):
    response = admin_client.get(preview_url(for_you[0]))

    assert response.status_code == 200
    assert response.context["shown"] is None


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ({"shopper": "999999"}, "shopper", "No shopper has that id."),
        ({"shopper": "abc"}, "shopper", "No shopper has that id."),
        ({"product": "999999"}, "product", "No product has that id."),
        ({"product": "1; DROP TABLE"}, "product", "No product has that id."),
        ({"category": "no-such-slug"}, "category", "No category has that slug."),
        ({"country": "XX"}, "country", "Select a valid choice."),
    ],
)
def test_preview_with_unknown_input_shows_a_form_error_and_stores_nothing(
    admin_client, for_you, query, field, error
):
    band, _ = for_you
    before = list(BandResult.objects.values_list("pk", flat=True))

    response = admin_client.get(preview_url(band), query)

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert error in response.content.decode()
    assert response.context["shown"] is None
    assert list(BandResult.objects.values_list("pk", flat=True)) == before
    assert not Event.objects.exists()


def test_preview_of_a_product_band_needs_a_product(admin_client):
    band = BandFactory(algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT)

    response = admin_client.get(preview_url(band), {"shopper": ""})

    assert response.status_code == 200
    assert "This band depends on the product on the page" in response.content.decode()


def test_preview_of_an_unknown_band_is_not_found(admin_client):
    assert (
        admin_client.get(reverse("admin:personalization_band_preview", args=[10**9])).status_code
        == 404
    )


def test_preview_needs_staff(client, for_you):
    response = client.get(preview_url(for_you[0]), {"shopper": for_you[1].pk})

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- Saving a band ----------------------------------------------------------------------------


def band_form(**values):
    data = {
        "title": "Gift ideas",
        "slug": "gift-ideas",
        "algorithm": Algorithm.BEST_SELLERS,
        "placement": Placement.HOME,
        "position": "3",
        "is_enabled": "on",
        "item_count": "8",
        "lookback_days": "30",
        "min_support": "2",
        "metric": "lift",
        "count_by": "units",
        "options": "{}",
        "exclude_out_of_stock": "on",
        "exclude_purchased": "on",
        "exclude_current": "on",
        "fallback": "",
        "min_items": "2",
        "schedule": "",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_saving_a_band_with_a_schedule_creates_its_periodic_task(
    admin_client, django_capture_on_commit_callbacks
):
    schedule = CrontabFactory(minute="15")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:personalization_band_add"), band_form(schedule=schedule.pk)
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    band = Band.objects.get(slug="gift-ideas")
    task = PeriodicTask.objects.get(pk=band.periodic_task_id)
    assert (task.task, json.loads(task.args), task.crontab, task.enabled) == (
        "personalization.tasks.recompute_band",
        [band.pk],
        schedule,
        True,
    )


def test_disabling_a_band_in_the_changelist_disables_its_periodic_task(admin_client):
    band = BandFactory(schedule=CrontabFactory())
    band.sync_schedule()

    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(band.pk),
            "form-0-position": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    band.refresh_from_db()
    assert band.is_enabled is False
    assert PeriodicTask.objects.get(pk=band.periodic_task_id).enabled is False


def test_deleting_a_band_deletes_its_periodic_task(admin_client):
    band = BandFactory(schedule=CrontabFactory())
    band.sync_schedule()

    response = admin_client.post(
        reverse("admin:personalization_band_delete", args=[band.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Band.objects.exists()
    assert not PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").exists()


def test_bands_deleted_with_the_changelist_action_leave_the_pages_at_once(
    admin_client, django_capture_on_commit_callbacks
):
    band = BandFactory(title="Summer sale", schedule=CrontabFactory())
    band.sync_schedule()
    store(band, [("", ProductFactory(), "20% off")])
    assert titles_on_home() == ["Summer sale"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "delete_selected", "_selected_action": [band.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Band.objects.exists()
    assert titles_on_home() == []
    assert not PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").exists()


def titles_on_home():
    return [shown.title for shown in bands_for(visitor(), PageContext(Placement.HOME))]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("options", "[1, 2]", "Options must be a JSON object."),
        ("options", "{not json", "Enter a valid JSON."),
        ("algorithm", "magic", "Select a valid choice."),
    ],
)
def test_saving_a_band_with_bad_input_shows_the_error_and_saves_nothing(
    admin_client, field, value, error
):
    response = admin_client.post(
        reverse("admin:personalization_band_add"), band_form(**{field: value})
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Band.objects.exists()


# --- The band click link ----------------------------------------------------------------------


CLICK = "personalization:click"


@pytest.fixture
def clickable():
    band = BandFactory(slug="best-sellers")
    return band, ProductFactory()


def test_click_records_a_click_and_redirects_to_the_product(client, clickable):
    band, product = clickable
    accept_tracking(client)

    response = client.get(
        reverse(CLICK),
        {"band": band.slug, "product": product.pk, "page": "home"},
        headers={"Accept-Language": "en-GB"},
    )

    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    click = Event.objects.get()
    assert (click.kind, click.band, click.product, click.page, click.country) == (
        Event.Kind.CLICK,
        band,
        product,
        "home",
        "GB",
    )


def test_click_with_gpc_redirects_without_recording(client, clickable):
    band, product = clickable

    response = client.get(
        reverse(CLICK),
        {"band": band.slug, "product": product.pk, "page": "home"},
        headers={"Sec-GPC": "1"},
    )

    assert response.status_code == 302
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "junk",
    [
        {"band": "nope"},
        {"product": "abc"},
        {"product": "999999"},
        {"page": None},
        {"page": "checkout"},
        {"band": None},
        {"product": None},
    ],
)
def test_junk_clicks_get_400_and_store_nothing(client, clickable, junk):
    band, product = clickable
    query = {"band": band.slug, "product": product.pk, "page": "home", **junk}

    response = client.get(reverse(CLICK), {k: v for k, v in query.items() if v is not None})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not Event.objects.exists()


def test_click_on_a_withdrawn_product_gets_400(client, clickable):
    band, product = clickable
    product.is_active = False
    product.save()

    response = client.get(
        reverse(CLICK), {"band": band.slug, "product": product.pk, "page": "home"}
    )

    assert response.status_code == 400
    assert not Event.objects.exists()


def test_click_needs_get(client, clickable):
    band, product = clickable

    response = client.post(
        reverse(CLICK), {"band": band.slug, "product": product.pk, "page": "home"}
    )

    assert response.status_code == 405
    assert not Event.objects.exists()


def test_band_links_on_a_page_are_valid_clicks(client, clickable):
    band, product = clickable
    accept_tracking(client)
    store(band, [("", product, "Sold 9")])
    page = client.get(reverse("shop:home")).content.decode()
    link = next(
        part.split('"')[0] for part in page.split('href="') if part.startswith(reverse(CLICK))
    )

    response = client.get(link.replace("&amp;", "&"))

    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert Event.objects.filter(kind=Event.Kind.CLICK, band=band, product=product).count() == 1
