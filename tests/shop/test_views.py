from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.cart import Cart
from shop.models import Order, Product, Shopper
from shop.views import LAST_ORDERS_SESSION_KEY
from tests.factories import (
    PASSWORD,
    BrandFactory,
    CategoryFactory,
    DepartmentFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHECKOUT = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "12 St James's Square\nLondon",
    "country": "GB",
}
NOT_FOUND_HEADING = "We couldn’t find that page"


def listed(response):
    """The products whose cards the page lists, in order."""
    ids = [card.pk for card in response.context["page_obj"].object_list]
    found = Product.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def template_names(response):
    return [template.name for template in response.templates]


def add_to_cart(client, product, quantity=1):
    return client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity})


# --- Catalog pages --------------------------------------------------------------------------


def test_home_shows_new_arrivals_but_no_inactive_products(client):
    older = ProductFactory(name="Plain kettle")
    newer = ProductFactory(name="Steel kettle")
    ProductFactory(name="Hidden kettle", is_active=False)
    Product.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(days=1))

    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    assert [card.pk for card in response.context["new_arrivals"]] == [newer.pk, older.pk]
    assert "Plain kettle" in response.content.decode()
    assert "Hidden kettle" not in response.content.decode()


def test_department_lists_the_products_of_its_categories(client):
    department = DepartmentFactory(name="Camping")
    tents = CategoryFactory(parent=department, name="Tents")
    stoves = CategoryFactory(parent=department, name="Stoves")
    tent, stove = ProductFactory(category=tents), ProductFactory(category=stoves)
    ProductFactory()  # in another department
    ProductFactory(category=tents, is_active=False)

    response = client.get(department.get_absolute_url())

    assert response.status_code == 200
    assert set(listed(response)) == {tent, stove}
    assert response.context["subcategories"] == [stoves, tents]
    assert tent.name in response.content.decode()


def test_category_lists_only_its_own_products(client):
    tents = CategoryFactory()
    tent = ProductFactory(category=tents)
    ProductFactory(category=CategoryFactory(parent=tents.parent))

    response = client.get(tents.get_absolute_url())

    assert response.status_code == 200
    assert listed(response) == [tent]
    assert response.context["subcategories"] == []


def test_brand_lists_its_active_products(client):
    brand = BrandFactory(name="Fjell")
    theirs = ProductFactory(brand=brand)
    ProductFactory()
    ProductFactory(brand=brand, is_active=False)

    response = client.get(brand.get_absolute_url())

    assert response.status_code == 200
    assert listed(response) == [theirs]
    assert "Fjell" in response.content.decode()


def test_search_matches_name_and_description(client):
    by_name = ProductFactory(name="Canvas tote", description="Holds things.")
    by_description = ProductFactory(name="Shopper bag", description="Made of CANVAS.")
    ProductFactory(name="Wool hat", description="Warm.")
    ProductFactory(name="Canvas cap", is_active=False)

    response = client.get(reverse("shop:search"), {"q": "  canvas "})

    assert response.status_code == 200
    assert set(listed(response)) == {by_name, by_description}
    assert response.context["query"] == "canvas"


def test_empty_search_lists_nothing(client):
    ProductFactory()
    response = client.get(reverse("shop:search"), {"q": "   "})
    assert response.status_code == 200
    assert listed(response) == []


def test_listing_page_past_the_end_shows_the_last_page(client, settings):
    settings.TAILOR_PAGE_SIZE = 2
    category = CategoryFactory()
    ProductFactory.create_batch(3, category=category)
    response = client.get(category.get_absolute_url(), {"page": "99"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2


def test_product_page_shows_the_product(client):
    product = ProductFactory(name="Brass lantern", sku="LANT-1")
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    assert response.context["product"] == product
    assert "Brass lantern" in response.content.decode()
    assert "LANT-1" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/p/no-such-product/",
        "/c/no-such-category/",
        "/b/no-such-brand/",
    ],
)
def test_unknown_pages_use_the_sites_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "404.html" in template_names(response)
    assert NOT_FOUND_HEADING in response.content.decode()


def test_inactive_product_is_not_found(client):
    product = ProductFactory(is_active=False)
    response = client.get(product.get_absolute_url())
    assert response.status_code == 404
    assert NOT_FOUND_HEADING in response.content.decode()


# --- Pictures -------------------------------------------------------------------------------


def test_product_picture_is_an_svg(client):
    response = client.get(reverse("shop:product-image", args=["tent", "c0392b"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert b"#c0392b" in response.content


def test_product_url_points_at_a_working_picture(client):
    product = ProductFactory()
    response = client.get(product.image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"


@pytest.mark.parametrize(
    ("icon", "hex_colour"),
    [
        ("rocket", "c0392b"),
        ("tent", "zzzzzz"),
        ("tent", "c0392"),
        ("tent", "c0392b00"),
        ("tent", "%22onload%3D"),
    ],
)
def test_bad_picture_icon_or_colour_is_not_found(client, icon, hex_colour):
    response = client.get(f"/img/{icon}/{hex_colour}.svg")
    assert response.status_code == 404


# --- Cart -----------------------------------------------------------------------------------


def test_adding_to_cart_redirects_to_the_cart_with_a_message(client):
    product = ProductFactory(stock=5, name="Brass lantern")

    response = add_to_cart(client, product, 2)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert Cart(client.session).quantity_of(product.pk) == 2
    assert message_texts(response) == ["Added 2 × Brass lantern to your cart."]


def test_adding_to_cart_follows_a_safe_next_only(client):
    product = ProductFactory()
    url = reverse("shop:cart-add", args=[product.pk])
    safe = client.post(url, {"quantity": 1, "next": product.get_absolute_url()})
    unsafe = client.post(url, {"quantity": 1, "next": "https://evil.example/"})
    assert safe["Location"] == product.get_absolute_url()
    assert unsafe["Location"] == reverse("shop:cart")


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("abc", "Enter a whole number of items."),
        ("1.5", "Enter a whole number of items."),
        ("", "Enter how many you want."),
        ("0", "Enter at least 1."),
        ("-1", "Enter at least 1."),
        ("100", "You can buy at most 99 at once."),
        ("4", "Only 3 left in stock."),
    ],
)
def test_bad_quantity_is_a_400_with_the_reason_and_nothing_carted(client, quantity, error):
    product = ProductFactory(stock=3)

    response = add_to_cart(client, product, quantity)

    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [error]
    assert error in response.content.decode()
    assert Cart(client.session).quantity_of(product.pk) == 0


def test_adding_more_than_is_left_counts_what_is_already_in_the_cart(client):
    product = ProductFactory(stock=3)
    add_to_cart(client, product, 2)

    response = add_to_cart(client, product, 2)

    assert response.status_code == 400
    assert "you already have 2 in your cart" in response.content.decode()
    assert Cart(client.session).quantity_of(product.pk) == 2


def test_out_of_stock_product_cannot_be_carted(client):
    product = ProductFactory(stock=0)
    response = add_to_cart(client, product, 1)
    assert response.status_code == 400
    assert "out of stock" in response.content.decode()
    assert Cart(client.session).quantity_of(product.pk) == 0


def test_adding_an_inactive_product_is_not_found(client):
    product = ProductFactory(is_active=False)
    assert add_to_cart(client, product).status_code == 404
    assert Cart(client.session).quantity_of(product.pk) == 0


def test_adding_to_cart_needs_post(client):
    product = ProductFactory()
    response = client.get(reverse("shop:cart-add", args=[product.pk]))
    assert response.status_code == 405


def test_cart_page_lists_lines_and_total(client):
    product = ProductFactory(name="Brass lantern", price=Decimal("12.50"))
    add_to_cart(client, product, 2)

    response = client.get(reverse("shop:cart"))

    assert response.status_code == 200
    assert response.context["total"] == Decimal("25.00")
    assert "Brass lantern" in response.content.decode()
    assert "€25.00" in response.content.decode()


def test_updating_the_cart_sets_the_quantity(client):
    product = ProductFactory(stock=5)
    add_to_cart(client, product, 1)

    response = client.post(reverse("shop:cart-update", args=[product.pk]), {"quantity": 4})

    assert response.status_code == 302
    assert Cart(client.session).quantity_of(product.pk) == 4


def test_removing_from_the_cart(client):
    product = ProductFactory()
    add_to_cart(client, product, 1)

    response = client.post(
        reverse("shop:cart-update", args=[product.pk]), {"quantity": 1, "remove": "1"}
    )

    assert response.status_code == 302
    assert Cart(client.session).quantity_of(product.pk) == 0


def test_bad_cart_update_is_a_400_and_keeps_the_quantity(client):
    product = ProductFactory(stock=5)
    add_to_cart(client, product, 2)

    response = client.post(reverse("shop:cart-update", args=[product.pk]), {"quantity": "9"})

    assert response.status_code == 400
    assert "Only 5 left in stock." in response.content.decode()
    assert Cart(client.session).quantity_of(product.pk) == 2


def test_updating_a_product_not_in_the_cart_is_not_found(client):
    product = ProductFactory()
    response = client.post(reverse("shop:cart-update", args=[product.pk]), {"quantity": 1})
    assert response.status_code == 404


def test_updating_a_withdrawn_product_removes_it(client):
    product = ProductFactory()
    add_to_cart(client, product, 1)
    product.is_active = False
    product.save()

    response = client.post(reverse("shop:cart-update", args=[product.pk]), {"quantity": 1})

    assert response.status_code == 302
    assert Cart(client.session).quantity_of(product.pk) == 0


def test_post_without_csrf_token_is_forbidden():
    client = Client(enforce_csrf_checks=True)
    product = ProductFactory()

    response = add_to_cart(client, product, 1)

    assert response.status_code == 403
    assert Cart(client.session).quantity_of(product.pk) == 0


# --- Checkout and orders --------------------------------------------------------------------


def test_checking_out_an_empty_cart_redirects_with_a_message(client):
    response = client.get(reverse("shop:checkout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert message_texts(response) == ["Your cart is empty — add something before checking out."]


def test_checkout_form_shows_the_cart(client):
    add_to_cart(client, ProductFactory(name="Brass lantern"), 1)
    response = client.get(reverse("shop:checkout"))
    assert response.status_code == 200
    assert "Brass lantern" in response.content.decode()


def test_checkout_prefills_a_shoppers_details(client):
    user = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    Shopper.objects.create(user=user, country="GB")
    client.force_login(user)
    add_to_cart(client, ProductFactory(), 1)

    form = client.get(reverse("shop:checkout")).context["form"]

    assert form.initial == {
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "country": "GB",
    }


def test_checkout_with_missing_details_shows_errors_and_places_nothing(client):
    add_to_cart(client, ProductFactory(), 1)
    response = client.post(reverse("shop:checkout"), {**CHECKOUT, "email": "not-an-email"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Order.objects.exists()


def test_checkout_places_the_order_and_shows_the_confirmation(client):
    product = ProductFactory(name="Brass lantern", price=Decimal("12.50"), stock=5)
    add_to_cart(client, product, 2)

    response = client.post(reverse("shop:checkout"), CHECKOUT, follow=True)

    order = Order.objects.get()
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert response.status_code == 200
    assert order.total == Decimal("25.00")
    assert order.user is None
    assert f"Order {order.number}" in response.content.decode()
    assert "Brass lantern" in response.content.decode()
    assert not Cart(client.session)
    product.refresh_from_db()
    assert product.stock == 3


def test_checkout_by_a_logged_in_shopper_belongs_to_them(client):
    user = UserFactory()
    client.force_login(user)
    add_to_cart(client, ProductFactory(), 1)
    client.post(reverse("shop:checkout"), CHECKOUT)
    assert Order.objects.get().user == user


def test_checkout_when_stock_ran_out_returns_to_the_cart_with_a_message(client):
    product = ProductFactory(stock=2, name="Brass lantern")
    add_to_cart(client, product, 2)
    product.stock = 1
    product.save()

    response = client.post(reverse("shop:checkout"), CHECKOUT)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert "Brass lantern" in message_texts(response)[0]
    assert not Order.objects.exists()
    assert Cart(client.session).quantity_of(product.pk) == 2


def test_guest_order_is_not_shown_to_another_session(client):
    add_to_cart(client, ProductFactory(), 1)
    client.post(reverse("shop:checkout"), CHECKOUT)
    order = Order.objects.get()
    assert client.get(order.get_absolute_url()).status_code == 200

    response = Client().get(order.get_absolute_url())

    assert response.status_code == 404


def test_order_is_not_shown_to_another_user(client):
    order = OrderFactory(user=UserFactory())
    client.force_login(UserFactory())
    response = client.get(order.get_absolute_url())
    assert response.status_code == 404


def test_order_is_shown_to_its_owner(client):
    owner = UserFactory()
    order = OrderFactory(user=owner)
    client.force_login(owner)
    response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    assert order.number in response.content.decode()


def test_shoppers_order_is_not_shown_to_a_guest_session_listing_its_id(client):
    order = OrderFactory(user=UserFactory())
    session = client.session
    session[LAST_ORDERS_SESSION_KEY] = [order.pk]
    session.save()
    assert client.get(order.get_absolute_url()).status_code == 404


def test_order_history_needs_login(client):
    response = client.get(reverse("shop:orders"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("shop:login"))


def test_order_history_lists_only_own_orders(client):
    me = UserFactory()
    mine = [OrderFactory(user=me), OrderFactory(user=me)]
    OrderFactory(user=UserFactory())
    OrderFactory()
    client.force_login(me)

    response = client.get(reverse("shop:orders"))

    assert response.status_code == 200
    assert set(response.context["page_obj"].object_list) == set(mine)
    for order in mine:
        assert order.number in response.content.decode()


# --- Accounts -------------------------------------------------------------------------------


def test_signup_creates_a_shopper_and_logs_them_in(client):
    response = client.post(
        reverse("shop:signup"),
        {
            "username": "ada",
            "email": "ada@example.com",
            "country": "GB",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert Shopper.objects.get(user=user).country.code == "GB"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_with_mismatched_passwords_creates_nobody(client):
    response = client.post(
        reverse("shop:signup"),
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user_model().objects.filter(username="ada").exists()
    assert "_auth_user_id" not in client.session


def test_signup_page_redirects_a_logged_in_user(client):
    client.force_login(UserFactory())
    assert client.get(reverse("shop:signup")).status_code == 302


def test_login_and_logout(client):
    user = UserFactory(username="ada")

    logged_in = client.post(reverse("shop:login"), {"username": "ada", "password": PASSWORD})
    assert logged_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    logged_out = client.post(reverse("shop:logout"))
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_password_fails(client):
    UserFactory(username="ada")
    response = client.post(reverse("shop:login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


# --- Query counts ---------------------------------------------------------------------------


def count_queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Home: the placement's bands, departments (for the header, then cached), the colours (for a new
# visitor's onboarding strip, then cached), the new arrivals' ids and their cards.
# Department: the category, bands, departments, product count, subcategories, one page.
# A department page: its category, the bands, the navigation, 4 catalog options, 5 facets and
# the page of products.
@pytest.mark.parametrize(("page_name", "most_queries"), [("home", 5), ("department", 13)])
def test_catalog_pages_run_a_fixed_number_of_queries(
    client, page_name, most_queries, django_assert_max_num_queries
):
    department = DepartmentFactory()
    category = CategoryFactory(parent=department)
    url = reverse("shop:home") if page_name == "home" else department.get_absolute_url()

    def add_products(count):
        # Distinct brands and colours: a missing select_related would show as extra queries.
        for index in range(count):
            ProductFactory(
                category=category, compare_at_price=Decimal("99.00") if index % 2 else None
            )

    add_products(5)
    few = count_queries(client, url)
    add_products(35)
    many = count_queries(client, url)

    assert few == many
    cache.clear()
    with django_assert_max_num_queries(most_queries):
        client.get(url)
