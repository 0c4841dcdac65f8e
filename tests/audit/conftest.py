import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english(settings):
    """These tests read messages; they read them in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
