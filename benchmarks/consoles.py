"""Hold one staff console's live connection (Socket.IO, ``/staff``) per cookie, as live.js does.

    python -m benchmarks.consoles PEOPLE_JSON HOSTS    (prints one JSON line, then holds them
                                                        until stdin closes)

``peak_hour.py`` runs it beside Locust: python-socketio's client inside Locust's gevent
process refused most connections when 300 opened at once, while plain threads open them all,
so the consoles live in their own process (its CPU is reported with the rest).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time

import socketio

from benchmarks.loadkit import PUBLIC_URL


def main() -> None:
    people = json.load(open(sys.argv[1]))
    hosts = sys.argv[2].split(",")
    cookies = people["workers"] + people["coordinators"]
    clients: list[socketio.Client] = []
    errors: dict[str, int] = {}
    times: list[float] = []
    events = [0]
    lock = threading.Lock()

    def open_one(n: int, cookie: str) -> None:
        # The browser's origin behind the proxy: the servers accept only PUBLIC_URL's.
        client = socketio.Client(reconnection=False, websocket_extra_options={"origin": PUBLIC_URL})
        client.on("*", lambda *a: events.__setitem__(0, events[0] + 1), namespace="/staff")
        began = time.perf_counter()
        try:
            client.connect(
                hosts[n % len(hosts)],
                headers={"Cookie": f"session={cookie}"},
                transports=["websocket"],
                namespaces=["/staff"],
                wait_timeout=10,
            )
        except Exception as exc:  # noqa: BLE001 - every refusal is counted by its message
            with lock:
                errors[repr(exc)] = errors.get(repr(exc), 0) + 1
            return
        with lock:
            times.append((time.perf_counter() - began) * 1000)
            clients.append(client)

    threads = [threading.Thread(target=open_one, args=(n, c)) for n, c in enumerate(cookies)]
    for t in threads:  # about 100 a second: people's consoles open over the morning
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    ordered = sorted(times) or [0.0]
    print(
        json.dumps(
            {
                "connected": len(clients),
                "refused": errors,
                "connect_ms_p50": round(statistics.median(ordered)),
                "connect_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))]),
            }
        ),
        flush=True,
    )
    sys.stdin.read()  # held open until the benchmark is done
    print(
        json.dumps({"events": events[0], "still_connected": sum(c.connected for c in clients)}),
        flush=True,
    )
    os._exit(0)  # the kernel closes every connection at once; one by one takes minutes


if __name__ == "__main__":
    main()
