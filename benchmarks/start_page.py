"""The client start page under 200 concurrent signed-in clients, against a bare Flask route
under the same server in the same run.

    .venv/bin/python -m benchmarks.start_page [--runs 3] [--seconds 30] [--users 200]
        [--serve-args "--threads 64"] [--server-cpus 0] [--locust-cpus 1] [--pg-port 55445]

Starts a throw-away PostgreSQL (``.ci/start-postgres``), fills it with the largest tenant
(2,500 clients, 300 workers, a week of visits), remembers a phone for 200 clients, starts
``boendestod serve`` (production settings, scheduler on) and the bare app through the same
``serve`` command (``benchmarks/bare_app.py``), then per run drives each with Locust
(FastHttpUser, 200 users, no think time, a 2 s timeout as in the issue): the bare route
first, then ``/min-dag``. Prints requests/s, p50/p95/p99, errors, the CPU each process group
used and the load average; medians over the runs at the end. Stops everything it started.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks import loadkit, loadrun
from tests.browser.video_support import redis_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--path", default="/min-dag")
    parser.add_argument("--serve-args", default="", help='e.g. "--workers 2"')
    parser.add_argument("--server-cpus", default="0", help="taskset list; '' for none")
    parser.add_argument("--locust-cpus", default="1", help="taskset list; '' for none")
    parser.add_argument("--pg-port", type=int, default=55445)
    parser.add_argument("--ports", default="8201,8202", help="the app's and the bare app's")
    parser.add_argument("--skip-bare", action="store_true")
    args = parser.parse_args()

    pg = loadkit.postgres(args.pg_port)
    work = Path(tempfile.mkdtemp(prefix="bench-start-"))
    servers: list[loadkit.Servers] = []
    try:
        with redis_server(work) as redis_url:  # production's message queue (--workers needs it)
            run(args, pg, work, redis_url, servers)
    finally:
        for s in servers:
            s.stop()
        pg.stop()


def run(
    args: argparse.Namespace,
    pg: loadkit.Postgres,
    work: Path,
    redis_url: str,
    servers: list[loadkit.Servers],
) -> None:
    """Seed, start the servers (appended to ``servers`` for the caller to stop), measure."""
    print(f"seeding the tenant … (load {loadkit.load_average():.2f})", flush=True)
    tenant = loadkit.seed_stockholm(pg.url)
    people = loadkit.write_people(
        work / "people.json",
        devices=loadkit.device_cookies(pg.url, tenant.clients[: args.users]),
    )
    env = loadkit.server_env(pg.url, redis_url, None, scheduler=True)
    app_port, bare_port = (int(p) for p in args.ports.split(","))
    cpus = args.server_cpus or None
    log = work / "server"
    servers.append(loadkit.start_servers("portal.cli", [app_port], args.serve_args, env, cpus, log))
    if not args.skip_bare:
        servers.append(
            loadkit.start_servers(
                "benchmarks.bare_app", [bare_port], args.serve_args, env, cpus, log
            )
        )
    print(
        f"server: python -m portal.cli serve {args.serve_args} (taskset {cpus}); "
        f"Locust taskset {args.locust_cpus or 'none'}; logs in {work}",
        flush=True,
    )
    results: dict[str, list[loadrun.LocustRun]] = {"bare": [], "page": []}
    for run in range(1, args.runs + 1):
        for kind, host, path in (
            ("bare", f"http://127.0.0.1:{bare_port}", "/"),
            ("page", f"http://127.0.0.1:{app_port}", args.path),
        ):
            if kind == "bare" and args.skip_bare:
                continue
            group = servers[0 if kind == "page" else 1].procs
            r = loadrun.run_locust(
                "locustfile.py",
                args.users,
                args.seconds,
                {
                    "LOAD_HOSTS": host,
                    "LOAD_PEOPLE": people,
                    "LOAD_PATH": path,
                    "LOAD_TIMEOUT": str(args.timeout),
                },
                work,
                args.locust_cpus or None,
                {"server": [p.pid for p in group], "postgres": [pg.postmaster_pid()]},
                classes=["StartPage"],
            )
            results[kind].append(r)
            report(f"run {run} {kind:4} {path}", r, work)
    print("\nmedians over runs:")
    for kind, runs in results.items():
        if runs:
            med = {
                k: statistics.median(getattr(r.rows["Aggregated"], k) for r in runs)
                for k in ("rps", "p50", "p95", "p99", "failures", "count")
            }
            print(
                f"  {kind:4}  {med['rps']:7.0f} req/s  p50 {med['p50']:.0f}  "
                f"p95 {med['p95']:.0f}  p99 {med['p99']:.0f} ms  "
                f"errors {med['failures']:.0f} of {med['count']:.0f}"
            )


def report(label: str, r: loadrun.LocustRun, work: Path) -> None:
    a = r.rows["Aggregated"]
    cpu = "  ".join(f"{g} {100 * s / r.seconds:.0f}%" for g, s in r.cpu.items())
    print(
        f"{label}: {a.rps:7.0f} req/s  p50 {a.p50:.0f}  p95 {a.p95:.0f}  p99 {a.p99:.0f} ms  "
        f"errors {a.failures} of {a.count}  | CPU {cpu} | load {r.load[0]:.2f}→{r.load[1]:.2f}",
        flush=True,
    )
    if a.failures:
        print("    " + loadrun.failures_text(work), flush=True)


if __name__ == "__main__":
    main()
