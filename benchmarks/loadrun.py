"""Drive the servers with Locust and account for where the CPU went meanwhile."""

from __future__ import annotations

import csv
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.loadkit import ROOT, VENV_BIN, load_average


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU of these processes and all their descendants, in seconds, with that
    of descendants already gone (their parent's cutime and cstime): PostgreSQL's backends end
    with their connections, and without it the server's share could come out below zero."""
    tree, total, todo = _children(), 0, list(roots)
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])
        except OSError:
            pass
        todo += tree.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


# -- Locust ----------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass
class LocustRun:
    rows: dict[str, Row]
    seconds: float
    cpu: dict[str, float]  # process group -> CPU seconds during the run
    load: tuple[float, float]  # 1-minute load average before and after


def run_locust(
    locustfile: str,
    users: int,
    seconds: int,
    env: dict[str, str],
    workdir: Path,
    cpus: str | None,
    groups: dict[str, list[int]],
    classes: list[str],
    spawn_rate: float | None = None,
) -> LocustRun:
    """Locust headless with these user ``classes`` for ``seconds`` (statistics from when every
    user has started); return its per-name statistics and the CPU each group used meanwhile."""
    prefix = workdir / f"locust-{time.monotonic_ns()}"
    cmd = [
        str(VENV_BIN / "locust"),
        "-f", str(ROOT / "benchmarks" / locustfile),
        "--headless", "--only-summary", "--reset-stats",
        "-u", str(users), "-r", str(spawn_rate or users),
        "-t", f"{seconds}s", "--stop-timeout", "5",
        "--csv", str(prefix), "--loglevel", "WARNING",
        "--host", "http://127.0.0.1",
        *classes,
    ]  # fmt: skip
    if cpus:
        cmd = ["taskset", "-c", cpus, *cmd]
    load_before = load_average()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=open(prefix.with_suffix(".out"), "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    groups = {**groups, "locust": [proc.pid]}
    before = {g: cpu_seconds(p) for g, p in groups.items()}
    began = time.monotonic()
    # Locust's own children die with it; sample its CPU just before it ends.
    last = dict(before)
    while proc.poll() is None:
        last = {g: cpu_seconds(p) for g, p in groups.items()}
        time.sleep(0.5)
    elapsed = time.monotonic() - began
    used = {g: last[g] - before[g] for g in groups}
    rows = {}
    with open(f"{prefix}_stats.csv") as f:
        for r in csv.DictReader(f):
            key = r["Name"] if r["Type"] else "Aggregated"
            rows[key] = Row(
                name=f"{r['Type']} {r['Name']}".strip(),
                count=int(r["Request Count"]),
                failures=int(r["Failure Count"]),
                rps=float(r["Requests/s"]),
                p50=float(r["50%"] or 0),
                p95=float(r["95%"] or 0),
                p99=float(r["99%"] or 0),
            )
    return LocustRun(rows, elapsed, used, (load_before, load_average()))


def failures_text(workdir: Path) -> str:
    """The distinct errors Locust saw, newest run first (for the report)."""
    files = sorted(workdir.glob("locust-*_failures.csv"), reverse=True)
    if not files:
        return ""
    with open(files[0]) as f:
        return "; ".join(
            f"{r['Name']}: {r['Error'][:80]} ×{r['Occurrences']}" for r in csv.DictReader(f)
        )
