"""Engine and session setup, and the one place transactions are committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import Session, sessionmaker

from . import visits

_AFTER_COMMIT = "after_commit_callbacks"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed.

    Side effects (sending an SMS, emitting to a socket) go through here, so a change that rolls
    back never triggers them.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        # A savepoint was released (SQLAlchemy 2.1 announces those as commits too); the outer
        # transaction can still roll back, so the side effects wait for it.
        return
    callbacks = session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        callback()


def _drop_after_commit(session: Session, previous_transaction: object) -> None:
    # A rolled-back savepoint keeps the outer transaction's callbacks; a real rollback drops all.
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(_AFTER_COMMIT, None)


#: ORM events that keep a model's derived columns right on every write. A ``Database`` installs
#: them when it is made, not the app's wiring: every process that writes (the app, the command
#: line, benchmarks, tests without an app) must keep them, and models may not import portal.
MODEL_LISTENERS = (*visits.LISTENERS,)


def install_model_listeners() -> None:
    """Listen to the events of ``MODEL_LISTENERS`` once per process, however many databases."""
    for target, name, listener in MODEL_LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # The stdlib driver opens transactions lazily; take control so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Take the write lock at BEGIN so two writers queue instead of one failing mid-way
            # with a stale snapshot. The price: transactions run one at a time, so code must
            # never open a second transaction while its own is open (it would wait on itself).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT changed. ``Session.execute`` is typed to give
    a plain ``Result``; for these statements it is the cursor's result, which counts them."""
    assert isinstance(result, CursorResult)
    return result.rowcount


class Database:
    """One database: its engine, a session factory and a transaction helper."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: Called with every new session; the app uses it to attach its listeners.
        self.configure_session: Callable[[Session], None] | None = None
        event.listen(self.sessionmaker, "after_commit", _run_after_commit)
        event.listen(self.sessionmaker, "after_soft_rollback", _drop_after_commit)
        install_model_listeners()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self) -> Session:
        session = self.sessionmaker()
        if self.configure_session is not None:
            self.configure_session(session)
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session; commit if the block succeeds, roll back if it raises."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
