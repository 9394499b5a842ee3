"""The app runs the request hooks, handlers and template helpers the wiring tables list, in
their order (the order decides what a response carries: the request id, the commit)."""

from flask import Flask

from portal import database, errors, logs, metrics, security, wiring
from portal.auth import loading
from portal.booking import staff_views as schedule
from portal.booking.rules import BookingRefused


def _names(functions) -> list[str]:
    return [getattr(f, "func", f).__name__ for f in functions]


def test_the_app_has_the_request_hooks_of_the_table_in_its_order(app: Flask) -> None:
    before = _names(app.before_request_funcs[None])
    ours = [logs.take_request_id, metrics.start_timer, errors.refuse_nul]
    assert [n for n in before if n in _names(ours)] == _names(ours)
    assert before[0] == "take_request_id"  # every other hook's log lines carry the id
    after = _names(app.after_request_funcs[None])
    ours = [logs.echo_request_id, database.commit, security.headers, loading.drop_bad_cookie]
    assert [n for n in after if n in _names(ours)] == _names(ours)
    # Run in reverse: the id is echoed last, the commit comes just before.
    assert after[:2] == ["echo_request_id", "commit"]
    teardown = _names(app.teardown_request_funcs[None])
    assert teardown[:2] == ["discard", "observe"]


def test_a_blueprints_own_hooks_stay_its_own(app: Flask) -> None:
    assert _names(app.before_request_funcs["dev"]) == ["only_with_dev_provider"]
    assert app.error_handler_spec["schedule"][None][BookingRefused] is schedule.refused
    assert BookingRefused not in app.error_handler_spec[None][None]  # elsewhere a DomainError


def test_every_filter_global_and_context_of_the_tables_reaches_the_templates(app: Flask) -> None:
    for name, function in wiring.TEMPLATE_FILTERS.items():
        assert app.jinja_env.filters[name] is function
    for name, function in wiring.TEMPLATE_GLOBALS.items():
        assert app.jinja_env.globals[name] is function
    with app.test_request_context("/"):
        context: dict[str, object] = {}
        app.update_template_context(context)
    assert {"lang", "roles", "client_tiles", "staff_todo", "asking_now", "user"} <= set(context)
