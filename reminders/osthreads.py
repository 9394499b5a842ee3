"""Real OS threads for asyncio event loops, also when gevent has patched the process.

Under gevent's monkey-patching ``threading.Thread`` starts a greenlet, and every greenlet of
a process shares one OS thread. asyncio keeps its running loop per OS thread, so two loops in
two greenlets (the camera check's, a sweep's) would collide, and a loop busy in one greenlet
would stop all others. So each loop gets a real thread from gevent's own pool, and creates its
loop inside that thread so that its selector waits on that thread's hub. The greenlet that asks
waits cooperatively. Without gevent these are plain threads.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def gevent_patched() -> bool:
    """True when gevent has monkey-patched this process (a gevent worker serves it)."""
    if "gevent.monkey" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("threading"))


def run_in_os_thread(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)`` in a thread of its own and return its result (or raise its error)."""
    if gevent_patched():
        from gevent import get_hub

        return get_hub().threadpool.apply(fn, args)
    with ThreadPoolExecutor(1, thread_name_prefix="own-loop") as own:
        return own.submit(fn, *args).result()


class OsThread:
    """A long-lived real thread running ``target`` (an event loop's ``run_forever``)."""

    def __init__(self, target: Callable[[], object], name: str) -> None:
        if gevent_patched():
            from gevent.threadpool import ThreadPool

            self._pool: Any = ThreadPool(1)
            self._result: Any = self._pool.spawn(target)
            self._thread: threading.Thread | None = None
        else:
            self._pool = None
            self._thread = threading.Thread(target=target, name=name, daemon=True)
            self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self._result.wait(timeout)
            self._pool.kill()
