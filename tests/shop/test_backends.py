"""The demo's published passwords log in only with DEBUG on."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from shop.backends import ADMIN_PASSWORD, DEMO_PASSWORD


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ruby(db):
    return User.objects.create_user("ruby", "ruby@example.com", DEMO_PASSWORD)


def test_demo_password_logs_in_with_debug_on(ruby, settings):
    settings.DEBUG = True

    assert authenticate(username="ruby", password=DEMO_PASSWORD) == ruby


def test_demo_password_is_refused_with_debug_off(ruby, settings):
    settings.DEBUG = False

    assert authenticate(username="ruby", password=DEMO_PASSWORD) is None


def test_admin_demo_password_is_refused_with_debug_off(db, settings):
    User.objects.create_superuser("admin", "admin@example.com", ADMIN_PASSWORD)
    settings.DEBUG = False

    assert authenticate(username="admin", password=ADMIN_PASSWORD) is None


def test_other_passwords_log_in_with_debug_off(ruby, settings):
    settings.DEBUG = False
    ruby.set_password("a-real-secret-9")
    ruby.save()

    assert authenticate(username="ruby", password="a-real-secret-9") == ruby


def test_login_page_answers_a_refused_demo_password_with_a_form_error(ruby, client, settings):
    settings.DEBUG = False

    response = client.post("/account/login/", {"username": "ruby", "password": DEMO_PASSWORD})

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "correct username and password" in response.content.decode()
