"""The LIX readability score used on every client page (a plain function, no browser)."""

import pytest

from tests.browser.easyread import gzip_size, lix


def test_lix_counts_words_per_sentence_and_the_share_of_long_words() -> None:
    # 7 words, 2 sentences, 1 word over six letters: 7/2 + 100 * 1/7.
    assert lix("Jag heter Sandra. Jag bor i Flemingsberg.") == pytest.approx(3.5 + 100 / 7)


def test_a_six_letter_word_is_not_long_but_a_seven_letter_word_is() -> None:
    assert lix("Sandra") == pytest.approx(1.0)
    assert lix("Sandras") == pytest.approx(101.0)


def test_line_breaks_end_a_sentence_like_headings_and_buttons_do() -> None:
    assert lix("Min dag\nHur mår du?") == pytest.approx(2.5)


def test_numbers_and_times_are_not_words() -> None:
    assert lix("Kl 14:30 kommer Anna.") == lix("Kl kommer Anna.")


def test_long_official_prose_scores_far_above_easy_read() -> None:
    official = (
        "Biståndshandläggaren fattar beslut om insatser enligt socialtjänstlagen efter en "
        "individuell behovsprövning av den enskildes ansökan."
    )
    assert lix(official) > 60
    assert lix("Anna kommer idag. Hon ringer på dörren.") < 20


def test_empty_text_scores_zero() -> None:
    assert lix("") == 0.0 and lix("12:30") == 0.0


def test_gzip_size_is_what_a_server_would_send() -> None:
    assert gzip_size(b"a" * 10_000) < 100


@pytest.mark.browser
def test_the_kit_catches_poor_contrast_small_targets_and_foreign_text(browser) -> None:
    from tests.browser.easyread import axe_violations, page_lix, small_targets

    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.set_content(
        '<!doctype html><html lang="sv"><head><title>Prov</title></head><body><main>'
        '<h1>Prov</h1><p style="color:#767676">Grå text.</p>'  # 4.5:1 passes AA, fails AAA
        '<button>X</button><p lang="en">Extraordinarily complicated vocabulary.</p>'
        "</main></body></html>"
    )
    rules = {line.split(":")[0] for line in axe_violations(page)}
    assert "color-contrast-enhanced" in rules and "color-contrast" not in rules
    assert small_targets(page) and small_targets(page)[0].startswith('button "X"')
    assert page_lix(page) < 30  # the English sentence is left out of the Swedish score
    page.close()
