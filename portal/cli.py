"""The console command: ``boendestod demo | serve | db upgrade | create-staff`` and the staff
account commands (``reset-password``, ``reset-totp``, ``switch-off-staff``, ``reseal-totp``)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import Flask
from sqlalchemy.orm import Session

from models import Database, Role, Staff, sealed, utcnow
from models.migrate import upgrade

from . import logs
from .config import DEMO_DATABASE, Settings, from_env
from .envvars import (
    ConfigError,
    database_url_from_env,
    log_settings_from_env,
    sealing_keys_from_env,
)

log = logging.getLogger("boendestod")
T = TypeVar("T")


def _database_url() -> str:
    try:
        return database_url_from_env(os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _use_sealing_keys(required: bool = True) -> None:
    """Give this process the keys that seal TOTP secrets, from TOTP_KEYS or SECRET_KEY."""
    try:
        keys = sealing_keys_from_env(os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if keys:
        sealed.use_keys(keys)
    elif required and not sealed.has_keys():
        raise click.ClickException(
            "set SECRET_KEY (or TOTP_KEYS) as the app has it: TOTP secrets are stored encrypted"
        )


def _settings(env: str) -> Settings:
    try:
        return from_env(env)
    except ConfigError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc


def _serve(
    settings: Settings, host: str, port: int, kind: str, workers: int = 1, threads: int = 64
) -> None:
    """Run under gunicorn with the worker ``portal.server`` chooses (see there for why)."""
    from . import server

    if kind == server.GEVENT and settings.database_url.startswith("sqlite"):
        raise click.ClickException(
            "refusing to start: the gevent server needs PostgreSQL (a SQLite writer waiting "
            "for the lock would stop the whole process); use --worker-class gthread"
        )

    if workers > 1 and not settings.socketio_message_queue:
        raise click.ClickException(
            "refusing to start: --workers above 1 needs SOCKETIO_MESSAGE_QUEUE (a Redis URL), "
            "or live updates reach only the sockets of the process that sent them"
        )

    def factory(adjusted: Settings) -> Flask:
        # Imported in the worker, after gevent has patched it (gunicorn patches before load).
        from .app import create_app

        return create_app(adjusted)

    server.run(settings, factory, f"{host}:{port}", kind, workers=workers, threads=threads)


@click.group()
def main() -> None:
    """Boendestöd: the digital support and self-service platform."""
    try:
        logs.configure(log_settings_from_env(os.environ))
    except ConfigError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), envvar="PORT", default=5000)
@click.option("--host", envvar="HOST", default="127.0.0.1")
@click.option(
    "--clients", default=20, show_default=True, help="Generated clients beside Sandra and Olle."
)
def demo(port: int, host: str, clients: int) -> None:
    """Reset the demo database, fill it with demo data and serve it.

    Embedded SQLite, scheduler on, SMS to the dev outbox at /dev/outbox, demo accounts sign in
    without TOTP (password "demo").
    """
    os.environ.setdefault("PORT", str(port))
    settings = _settings("demo")
    if settings.database_url == f"sqlite:///{DEMO_DATABASE}":
        DEMO_DATABASE.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            DEMO_DATABASE.with_name(DEMO_DATABASE.name + suffix).unlink(missing_ok=True)
    seed_demo(settings, clients)
    click.echo(f"Demo on http://{host}:{port}  ·  SMS at http://{host}:{port}/dev/outbox")
    click.echo("Clients: Sandra 070-000 00 01, Olle 070-000 00 02  ·  staff password: demo")
    click.echo("Huddinge: anna, omar, cecilia, karin, maria  ·  Botkyrka: johan, henrik, lena")

    from .server import GTHREAD

    # Threads whatever the database: a demo needs few sockets, and SQLite's lock waits are
    # harmless there (see portal.server).
    _serve(settings, host, port, GTHREAD, threads=32)


def seed_demo(settings: Settings, clients: int = 20) -> None:
    """Migrate the database and fill it with the demo world."""
    from .demo import seed

    sealed.use_keys(settings.sealing_keys)
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.transaction() as session:
        seed(session, utcnow(), settings.zone, generated=clients)
    db.dispose()


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), envvar="PORT", default=5000)
@click.option("--host", envvar="HOST", default="0.0.0.0")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    envvar="WEB_WORKERS",
    default=1,
    help="Processes (about one per core); each runs the scheduler and holds MAX_SOCKETS.",
)
@click.option(
    "--worker-class",
    type=click.Choice(["auto", "gevent", "gthread"]),
    default="auto",
    show_default=True,
    help="auto: gevent on PostgreSQL, threads on SQLite.",
)
@click.option(
    "--threads", type=int, default=64, show_default=True, help="Threads per gthread worker."
)
def serve(port: int, host: str, workers: int, worker_class: str, threads: int) -> None:
    """Serve in production from environment settings (DATABASE_URL, SECRET_KEY, TWILIO_* …).

    Refuses to start on a missing secret or an unsafe demo setting. Run `db upgrade` first.
    """
    from reminders.osthreads import gevent_patched

    from .server import GEVENT
    from .server import worker_class as choose

    settings = _settings(os.environ.get("APP_ENV", "production"))
    kind = choose(settings.database_url) if worker_class == "auto" else worker_class
    if kind == GEVENT and not gevent_patched() and not settings.database_url.startswith("sqlite"):
        # Start again with the standard library patched first (see portal.gevent_main).
        again = ["serve", f"--port={port}", f"--host={host}", f"--workers={workers}"]
        again += [f"--worker-class={kind}", f"--threads={threads}"]
        os.execv(sys.executable, [sys.executable, "-m", "portal.gevent_main", *again])
    _serve(settings, host, port, kind, workers, threads)


@main.command()
def scheduler() -> None:
    """Run only the time-driven work: sending the outbox, the check-in ladder, casework checks.

    For a deployment that keeps the 08:00 burst out of the processes serving pages: run this
    once and the web processes with SCHEDULER=0 (a message due at once, such as a sign-in code,
    is still sent by the request that made it). Stops cleanly on SIGTERM.
    """
    import signal
    import threading

    from .app import create_app

    settings = _settings(os.environ.get("APP_ENV", "production")).with_(scheduler=True)
    app = create_app(settings)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    log.info("scheduler running")
    stop.wait()
    app.extensions["boendestod.dispatcher"].shutdown()
    log.info("scheduler stopped")


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations to DATABASE_URL up to REVISION.

    With SECRET_KEY (or TOTP_KEYS) set as the app has it, so that 0019 can seal the TOTP
    secrets already stored; it refuses without them when there are any."""
    _use_sealing_keys(required=False)
    upgrade(_database_url(), revision)
    click.echo(f"database at {revision}")


@main.command("create-staff")
@click.option("--username", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--phone", default=None, help="Work phone, for bridged calls and urgent alerts.")
@click.password_option(help="Prompted for when not given.")
def create_staff_command(
    username: str,
    first_name: str,
    last_name: str,
    roles: tuple[str, ...],
    phone: str | None,
    password: str,
) -> None:
    """Add a member of staff to DATABASE_URL and print their TOTP enrolment address."""
    from .auth.staff import MIN_PASSWORD, create_staff, totp_uri
    from .errors import DomainError
    from .phones import InvalidPhone, normalise

    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must be at least {MIN_PASSWORD} characters")
    try:
        work_phone = normalise(phone) if phone else None
    except InvalidPhone as exc:
        raise click.ClickException(f"{phone!r} is not a mobile number") from exc
    _use_sealing_keys()
    database = Database(_database_url())
    try:
        with database.transaction() as session:
            staff = create_staff(
                session,
                username,
                first_name,
                last_name,
                password,
                [Role(r) for r in roles],
                phone=work_phone,
            )
            uri = totp_uri(staff)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()
    click.echo(f"created {username} ({', '.join(roles)})")
    click.echo("Add this to the person's authenticator app (scan it as a QR code):")
    click.echo(uri)


def _change_staff(username: str, change: Callable[[Session, Staff], T]) -> T:
    """Apply ``change`` to the named member of staff in one transaction on DATABASE_URL."""
    from .auth.staff import staff_by_username
    from .errors import DomainError

    _use_sealing_keys()
    database = Database(_database_url())
    try:
        with database.transaction() as session:
            return change(session, staff_by_username(session, username))
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()


@main.command("reset-password")
@click.option("--username", required=True)
@click.password_option(help="The new password; prompted for when not given.")
def reset_password_command(username: str, password: str) -> None:
    """Give a member of staff a new password; signs them out on every device."""
    from .auth.staff import reset_password

    ended = _change_staff(username, lambda s, staff: reset_password(s, staff, password, utcnow()))
    click.echo(f"new password for {username}; {ended} open session(s) ended")


@main.command("reset-totp")
@click.option("--username", required=True)
def reset_totp_command(username: str) -> None:
    """Give a member of staff a new authenticator secret (a lost phone); signs them out."""
    from .auth.staff import reset_totp, totp_uri

    def change(session: Session, staff: Staff) -> tuple[int, str]:
        return reset_totp(session, staff, utcnow()), totp_uri(staff)

    ended, uri = _change_staff(username, change)
    click.echo(f"new authenticator secret for {username}; {ended} open session(s) ended")
    click.echo("Add this to the person's authenticator app (scan it as a QR code):")
    click.echo(uri)


@main.command("switch-off-staff")
@click.option("--username", required=True)
@click.option("--on", "switch_on", is_flag=True, help="Switch the account back on instead.")
def switch_off_staff_command(username: str, switch_on: bool) -> None:
    """Switch a member of staff's account off (signs them out everywhere), or back on."""
    from .auth.staff import set_active

    ended = _change_staff(username, lambda s, staff: set_active(s, staff, switch_on, utcnow()))
    state = "on" if switch_on else f"off; {ended} open session(s) ended"
    click.echo(f"{username} is switched {state}")


@main.command("import")
@click.option("--staff", type=click.Path(dir_okay=False, path_type=Path), help="staff.csv")
@click.option("--clients", type=click.Path(dir_okay=False, path_type=Path), help="clients.csv")
@click.option("--decisions", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--contact-workers", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be done; write nothing.")
def import_command(
    staff: Path | None,
    clients: Path | None,
    decisions: Path | None,
    contact_workers: Path | None,
    dry_run: bool,
) -> None:
    """Bring staff, clients, decisions and contact workers in from CSV (docs/import/README.md).

    All or nothing: one refused row and nothing is written. Running it twice changes nothing.
    """
    from .importing.files import ImportStopped
    from .importing.run import run_import

    given = {"staff": staff, "clients": clients, "decisions": decisions,
             "contact_workers": contact_workers}  # fmt: skip
    files = {kind: path for kind, path in given.items() if path is not None}
    if not files:
        raise click.UsageError("name at least one file (--staff, --clients, …)")
    database = Database(_database_url())
    try:
        report = run_import(database, files, utcnow(), dry_run)
    except ImportStopped as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()
    for line in report.lines():
        click.echo(line)
    click.echo(report.summary())
    if report.refused:
        sys.exit(1)


@main.command("reseal-totp")
def reseal_totp_command() -> None:
    """Encrypt every stored TOTP secret again with the first of TOTP_KEYS (after a rotation:
    put the new key first, keep the old ones, run this, then drop the old ones)."""
    from sqlalchemy import String, literal, select, update

    _use_sealing_keys()
    raw = Staff.__table__.c.totp_secret  # the stored token, not the column type's plain text
    database = Database(_database_url())
    try:
        with database.transaction() as session:
            rows = session.execute(select(Staff.id, raw.cast(String)).where(raw.is_not(None)))
            for staff_id, token in rows.all():
                session.execute(
                    update(Staff.__table__)
                    .where(Staff.__table__.c.id == staff_id)
                    .values(totp_secret=literal(sealed.reseal(token), String))
                )
    finally:
        database.dispose()
    click.echo("TOTP secrets sealed with the first key")


if __name__ == "__main__":
    sys.exit(main())
