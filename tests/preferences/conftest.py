from tests.personalization.conftest import published  # noqa: F401  (shared fixture)
