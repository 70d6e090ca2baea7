"""One polling round's fetches in parallel: a few at once, at most a couple to any one site, all within one time
budget, so that one slow site holds up only its own share of a round (and never a digest).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar
from urllib.parse import urlsplit

__all__ = ["FetchRound", "Late"]

_LOOK = 1.0  # seconds between looks at the stop event while waiting on a fetch
T = TypeVar("T")


class Late(Exception):
    """The round's time budget ran out (or it was stopped) before this fetch was done."""


class FetchRound:
    """One polling round's fetches: `threads` at once in all, at most `per_host` of them to one host (the others wait
    their turn without holding a thread), all within one `budget` of seconds on `clock`; `stop` ends it early.

    Example:
        with FetchRound(threads=4, per_host=2, budget=120.0) as fetching:
            future = fetching.fetch(link, desk.reader.from_link)
            editorial = fetching.result(future)    # Late when the budget ran out before it was fetched
    """

    def __init__(self, *, threads: int, per_host: int, budget: float, stop: threading.Event | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="newsroom-fetch")
        self._per_host = per_host
        self._busy: Counter[str] = Counter()
        self._waiting: dict[str, deque[tuple[Future[Any], str, Callable[[str], Any]]]] = {}
        self._lock = threading.Lock()
        self._stop = stop or threading.Event()
        self._clock = clock
        self.deadline = clock() + budget

    def __enter__(self) -> FetchRound:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def left(self) -> float:
        """Seconds of the budget left (0 once it ran out or the round was stopped)."""
        return 0.0 if self._stop.is_set() else max(self.deadline - self._clock(), 0.0)

    def fetch(self, url: str, read: Callable[[str], T]) -> Future[T]:
        """Read `url` with `read` as soon as its host has a free slot (and the pool a thread)."""
        future: Future[T] = Future()
        with self._lock:
            self._waiting.setdefault((urlsplit(url).hostname or "").lower(), deque()).append((future, url, read))
        self._dispatch()
        return future

    def result(self, future: Future[T]) -> T:
        """The fetch's result (or its exception); Late when the budget runs out before it is done."""
        while not future.done():
            left = self.left()
            if left <= 0:
                future.cancel()
                raise Late
            with contextlib.suppress(FutureTimeout):
                return future.result(timeout=min(left, _LOOK))
        return future.result()

    def close(self) -> None:
        """Drop the fetches not started; those under way end at the fetcher's own deadline."""
        with self._lock:
            for queue in self._waiting.values():
                for future, _, _ in queue:
                    future.cancel()
            self._waiting.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _dispatch(self) -> None:
        with self._lock:
            for host, queue in self._waiting.items():
                while queue and self._busy[host] < self._per_host:
                    future, url, read = queue.popleft()
                    if future.set_running_or_notify_cancel():
                        self._busy[host] += 1
                        self._pool.submit(self._run, host, future, url, read)

    def _run(self, host: str, future: Future[Any], url: str, read: Callable[[str], Any]) -> None:
        try:
            if self.left() <= 0:
                raise Late
            future.set_result(read(url))
        except BaseException as error:
            future.set_exception(error)
        finally:
            with self._lock:
                self._busy[host] -= 1
            self._dispatch()
