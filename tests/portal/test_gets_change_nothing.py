"""State changes only on POST (issue 14): no GET of any route, by anyone, adds or removes a row.

A link from another site, a prefetching browser or a crawler only ever GETs; generated from
the url map, so a new route is covered without being named here.
"""

from __future__ import annotations

import pytest
from flask import Flask

from models import Database
from tests.portal.fuzzing import fingerprint, make_world, signed_in

pytestmark = pytest.mark.db
WHO = ("anyone", "olle", "kim", "cecilia", "karin", "maria", "admin")
#: What each route argument is filled with: a record of the world, or a value of its kind.
ARGUMENTS = {
    "visit_id": "visit", "client_id": "olle", "escalation_id": "escalation", "staff_id": "kim",
    "request_id": 1, "check_in_id": 1, "token": "x", "code": "en", "check_id": "x", "number": 1,
    "unit_id": "unit",
}  # fmt: skip


def get_urls(app: Flask, world: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "vendor.asset"):
            continue
        values = {a: world.get(ARGUMENTS[a], ARGUMENTS[a]) for a in rule.arguments}
        urls.append(app.url_map.bind("localhost").build(rule.endpoint, values))
    return sorted(urls)


@pytest.mark.parametrize("who", WHO)
def test_no_get_of_any_page_adds_or_removes_a_row(app: Flask, db: Database, who: str) -> None:
    world = make_world(db)
    web = signed_in(app, db, who)
    changed = {}
    for url in get_urls(app, world):
        before = fingerprint(db)
        response = web.get(url)
        assert response.status_code < 500, url
        after = fingerprint(db)
        if after != before:
            changed[url] = {k for k in after if after[k] != before[k]}
    assert changed == {}
