"""Deleting a shopper's data on the real services: nothing personal stays in PostgreSQL or in
the Redis cache."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from personalization.models import BandResult, Event
from preferences.models import HiddenProduct
from tests.factories import ProductFactory, UserFactory, accept_tracking
from tests.personalization.factories import BandFactory, store

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_deletion_leaves_nothing_personal_in_postgres_or_redis(client):
    user = UserFactory()
    products = ProductFactory.create_batch(3, stock=5)
    personal = BandFactory(slug="for-you", title="For you", algorithm="for_you")
    store(personal, [(f"visitor:u{user.pk}", p, "Because you viewed it") for p in products])
    BandFactory(slug="recent", title="Recently viewed", algorithm="recently_viewed")
    client.force_login(user)
    accept_tracking(client)
    for product in products:
        client.get(product.get_absolute_url())
    client.post(reverse("preferences:not-interested", args=[products[0].pk]))
    assert len(client.get("/").context["bands"]) == 2
    mine = [f"*visitor:u{user.pk}", f"hidden:u{user.pk}"]
    assert all(list(cache.iter_keys(pattern)) for pattern in mine)

    response = client.post(reverse("personalization:delete"), {"confirm": "yes"})

    assert response.status_code == 302
    assert not Event.objects.filter(user=user).exists()
    assert not BandResult.objects.filter(context=f"visitor:u{user.pk}").exists()
    assert not HiddenProduct.objects.exists()
    assert not [key for pattern in mine for key in cache.iter_keys(pattern)]
    assert client.get("/").context["bands"] == []
