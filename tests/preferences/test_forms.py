"""What the preference and saved-search forms accept, and how a saved search's query is kept."""

import pytest

from preferences.forms import PreferenceForm, canonical_query
from preferences.models import Preference
from preferences.owners import Owner


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", ""),
        ("?colour=red", "colour=red"),
        ("page=2", ""),
        ("colour=red&page=4&utm_source=mail&sort=price", "colour=red&sort=price"),
        # A fixed parameter order, whatever the order given.
        ("sort=-price&q=tent&colour=red", "q=tent&colour=red&sort=-price"),
        ("colour=red&colour=blue&colour=red", "colour=blue&colour=red"),
        ("q=&colour=&colour=red&brand=%20", "colour=red"),
        ("q=red%20tent&price_max=50", "q=red+tent&price_max=50"),
        ("q=caf%C3%A9", "q=caf%C3%A9"),
        ("q=%ZZbad%", "q=%25ZZbad%25"),
        ("colour", ""),
        (
            "in_stock=true&on_sale=true&page_size=48&audience=kids&category=tents&material=wool"
            "&brand=acme&price_min=5",
            "category=tents&price_min=5&material=wool&brand=acme&audience=kids&in_stock=true"
            "&on_sale=true&page_size=48",
        ),
    ],
)
def test_canonical_query_keeps_only_listing_parameters(given, kept):
    assert canonical_query(given) == kept


def test_canonical_query_is_stable():
    once = canonical_query("sort=price&colour=blue&colour=red&page=3")

    assert canonical_query(once) == once


@pytest.mark.django_db
def test_when_two_first_saves_race_the_later_one_writes_onto_the_first_row():
    owner = Owner(user_id=None, key="a" * 32)
    form = PreferenceForm({"sort": "price"}, instance=Preference())
    assert form.is_valid()
    winner = Preference.objects.create(owner_key=owner.key, sort="newest")

    saved = form.save_for(owner)

    assert saved.pk == winner.pk
    assert list(Preference.objects.values_list("owner_key", "sort")) == [(owner.key, "price")]
