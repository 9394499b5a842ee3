"""The retention settings: defaults, configurable, and a typo refuses the start."""

import pytest

from portal.config import ConfigError, from_env
from tests.portal.test_config import PRODUCTION


def test_five_years_the_research_sample_kept_and_ten_years_of_audit_by_default() -> None:
    settings = from_env("production", PRODUCTION)
    assert settings.retention_years == 5
    assert settings.retention_keep_research_sample is True
    assert settings.audit_retention_years == 10


def test_each_may_be_changed() -> None:
    settings = from_env(
        "production",
        {**PRODUCTION, "RETENTION_YEARS": "3", "RETENTION_KEEP_BORN_5_15_25": "nej",
         "AUDIT_RETENTION_YEARS": "12"},
    )  # fmt: skip
    assert (settings.retention_years, settings.retention_keep_research_sample) == (3, False)
    assert settings.audit_retention_years == 12


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"RETENTION_YEARS": "fem"}, "RETENTION_YEARS must be a whole number"),
        ({"RETENTION_YEARS": "0"}, "RETENTION_YEARS must be a number of years"),
        ({"AUDIT_RETENTION_YEARS": "-1"}, "AUDIT_RETENTION_YEARS"),
        ({"RETENTION_KEEP_BORN_5_15_25": "kanske"}, "RETENTION_KEEP_BORN_5_15_25 must be on"),
    ],
)
def test_a_setting_that_makes_no_sense_refuses_the_start(
    change: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        from_env("production", {**PRODUCTION, **change})
