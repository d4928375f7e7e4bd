"""prepare_demo (make demo): prints how to log in as each named shopper, only with DEBUG on."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from personalization.demo_personas import PERSONAS
from shop.backends import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.factories import ProductFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_prints_the_admin_and_each_named_shopper_with_the_demo_password(settings):
    settings.DEBUG = True
    ProductFactory()  # demo data present: nothing is seeded
    for persona in PERSONAS:
        UserFactory(username=persona.username)
    out = StringIO()

    call_command("prepare_demo", stdout=out)

    printed = out.getvalue()
    assert f"password {ADMIN_PASSWORD}" in printed and f"password {DEMO_PASSWORD}" in printed
    for persona in PERSONAS:
        assert f"{persona.username:<6} {persona.story}" in printed
    assert "only with DEBUG on" in printed


@pytest.mark.django_db
def test_names_no_shopper_the_database_lacks(settings):
    settings.DEBUG = True
    ProductFactory()
    out = StringIO()

    call_command("prepare_demo", stdout=out)

    assert "named shopper" not in out.getvalue()
    assert not any(f"    {p.username} " in out.getvalue() for p in PERSONAS)


@pytest.mark.django_db
def test_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG on"):
        call_command("prepare_demo", stdout=StringIO())
