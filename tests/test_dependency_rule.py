"""The dependency rule of DESIGN.md: models <- reminders <- video <- portal."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"models", "reminders", "video", "portal"}
ALLOWED = {
    "models": set(),
    "reminders": {"models"},
    "video": {"models", "reminders"},
    "portal": {"models", "reminders", "video"},
}


def imports_of(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {(str(path.relative_to(ROOT)), name.split(".")[0]) for name in names}
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_the_rule_allows(package: str) -> None:
    wrong = sorted(
        (where, top)
        for where, top in imports_of(package)
        if top in OURS - {package} - ALLOWED[package]
    )
    assert wrong == []


def test_models_import_no_flask() -> None:
    flask = sorted(where for where, top in imports_of("models") if top.startswith("flask"))
    assert flask == []


# --- No import cycles: the graph of our modules' imports, as Python runs them ---------------

PACKAGES = ("models", "reminders", "video", "portal")
#: The cycle the matching half of issue 17 takes apart (the match weights move into Settings).
#: Lead: empty at merge.
KNOWN_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under ``if TYPE_CHECKING:``: for the type checker, never run."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                guarded |= set(ast.walk(child))
    return guarded


def _targets(
    name: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]
) -> list[str]:
    """The modules an import statement is for: ``from . import x`` the module ``x`` when there
    is one, else the package that defines ``x``. (Python loads a module's parent packages
    first too; a package reaching into its own modules is not counted as a cycle.)"""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        here = here[: len(here) - (node.level - 1)]
        base = ".".join(here + ([node.module] if node.module else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph() -> dict[str, set[str]]:
    """Each of our modules and the modules of ours it imports, at any depth of its code (an
    import inside a function closes a cycle as surely as one at the top, only later)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_only(tree)
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in skip:
                for target in _targets(name, path.name == "__init__.py", node, modules):
                    while target not in modules and "." in target:
                        target = target.rsplit(".", 1)[0]
                    if target in modules and target != name:
                        found.add(target)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import each other round (strongly connected components): a
    module and every module it reaches that reaches it back. Some 300 modules: plain
    reachability from each is quick enough and plainly right."""

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reached = {name: reach(name) for name in graph}
    groups: list[set[str]] = []
    for name in sorted(graph):
        group = {name} | {other for other in reached[name] if name in reached[other]}
        if name in reached[name] and group not in groups:
            groups.append(group)
    return groups


def test_the_import_walk_sees_what_python_imports() -> None:
    graph = import_graph()
    assert "reminders.claims" in graph["reminders.inflight"]
    assert "reminders.hooks" in graph["reminders.claims"]  # ``from . import hooks``
    assert "models.trust" not in graph["models.people"]  # only under TYPE_CHECKING
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_module_imports_itself_round_a_cycle() -> None:
    left = [c for c in cycles(import_graph()) if not any(c <= known for known in KNOWN_CYCLES)]
    assert left == []


# --- One wiring place: jobs, hooks, handlers, listeners and template helpers in portal.wiring --

WIRING = "portal/wiring.py"
#: The scheduler itself adds its jobs (the outbox sweep and those ``Dispatcher.every`` is given).
SCHEDULER = "reminders/jobs.py"
#: A ``Database`` listens to its own engine and sessions (SQLite's pragmas, after-commit
#: callbacks) and installs the models' derived-column listeners: every process that writes needs
#: them, app or not, and models may not import portal.
DATABASE = "models/db.py"

#: Calls (``x.name(...)``) and decorators (``@x.name`` / ``@x.name(...)``) that register
#: something: a job, a handler for reminders, a Socket.IO handler, a request hook, an error
#: handler, a template filter, global or context processor, URL defaults, a SQLAlchemy event
#: listener, a blueprint's deferred setup.
REGISTERING = {
    "every", "add_job", "on_namespace", "on_event", "record", "record_once",
    "before_request", "before_app_request", "after_request", "after_app_request",
    "teardown_request", "teardown_app_request", "teardown_appcontext",
    "errorhandler", "app_errorhandler", "register_error_handler",
    "template_filter", "app_template_filter", "add_template_filter", "add_app_template_filter",
    "template_global", "app_template_global", "add_template_global", "add_app_template_global",
    "context_processor", "app_context_processor",
    "url_defaults", "app_url_defaults", "url_value_preprocessor", "app_url_value_preprocessor",
    "listen", "listens_for",
}  # fmt: skip
#: Flask's own hook tables: what the wiring module fills for one blueprint's pages.
HOOK_TABLES = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
               "error_handler_spec", "template_context_processors", "url_default_functions",
               "url_value_preprocessors")  # fmt: skip


def _registering(func: ast.expr) -> str | None:
    """``owner.what`` when ``func`` (a called or decorating expression) registers something."""
    if isinstance(func, ast.Call):
        func = func.func
    if not isinstance(func, ast.Attribute):
        return None
    owner, what = ast.unparse(func.value), func.attr
    if what in REGISTERING and (what not in {"listen", "listens_for"} or owner == "event"):
        return f"{owner}.{what}"
    if (owner, what) in {("hooks", "register"), ("socketio", "on")}:
        return f"{owner}.{what}"
    return None


def _registration(node: ast.AST) -> str | None:
    """What ``node`` registers, if it is a registration (see ``REGISTERING``), a session
    listener or an entry put straight into one of Flask's hook tables."""
    if isinstance(node, ast.Call) and (what := _registering(node.func)):
        return what
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for decorator in node.decorator_list:  # ``@bp.record_once``, ``@app.after_request``
            if what := _registering(decorator):
                return f"@{what}"
    if isinstance(node, ast.Attribute) and node.attr in HOOK_TABLES:
        return ast.unparse(node)
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    for target in targets:
        text = ast.unparse(target)
        if "namespace_handlers" in text or "boendestod.listeners" in text:
            return text
    return None


def registrations() -> list[tuple[str, int, str]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                what = _registration(node)
                if what is not None:
                    found.append((str(path.relative_to(ROOT)), getattr(node, "lineno", 0), what))
    return found


def test_the_registration_walk_finds_what_the_wiring_module_registers() -> None:
    here = {what for where, _, what in registrations() if where == WIRING}
    assert {"dispatcher.every", "hooks.register", "socketio.on_event"} <= here
    assert "socketio.on_namespace" in here
    assert {"app.register_error_handler", "app.add_template_filter", "app.context_processor",
            "app.url_defaults", "app.error_handler_spec"} <= here  # fmt: skip


@pytest.mark.parametrize(
    "code",
    [
        "@bp.before_request\ndef f(): pass",
        "@app.after_request\ndef f(r): return r",
        "app.teardown_appcontext(f)",
        "@bp.errorhandler(KeyError)\ndef f(e): pass",
        "app.register_error_handler(KeyError, f)",
        '@bp.app_template_filter("x")\ndef f(v): pass',
        "bp.add_app_template_filter(f, 'x')",
        "@bp.app_context_processor\ndef f(): return {}",
        "@app.url_defaults\ndef f(e, v): pass",
        "@bp.url_value_preprocessor\ndef f(e, v): pass",
        '@event.listens_for(Visit, "before_insert")\ndef f(m, c, v): pass',
        'event.listen(Visit, "before_update", f)',
        "scheduler.add_job(f)",
        "@bp.record_once\ndef f(state): pass",
        'app.before_request_funcs.setdefault("dev", []).append(f)',
    ],
)
def test_the_registration_walk_sees_every_kind_of_registration(code: str) -> None:
    tree = ast.parse(code)
    assert any(_registration(node) for node in ast.walk(tree)), code


def test_jobs_hooks_and_socket_handlers_are_registered_only_in_the_wiring_module() -> None:
    """Nothing registers itself as a side effect of an import or a blueprint registration."""
    elsewhere = [
        (where, line, what)
        for where, line, what in registrations()
        if where != WIRING
        and not (where == SCHEDULER and what.endswith("add_job"))
        and not (where == DATABASE and what.startswith(("event.", "@event.")))
        # The app factory makes the empty list the wiring module fills.
        and not (where == "portal/app.py" and what == "app.extensions['boendestod.listeners']")
    ]
    assert elsewhere == []
