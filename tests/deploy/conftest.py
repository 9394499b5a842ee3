"""The deploy tests drive the same Chromium as the browser tests."""

from tests.browser.conftest import browser  # noqa: F401
