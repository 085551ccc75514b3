"""Running independent pieces of a stage's work side by side, in threads of one process; and
taking turns with other processes on a file lock."""

from __future__ import annotations

import contextvars
import fcntl
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (created, with its folder, if missing) while the
    block runs: other processes taking the same lock wait their turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def in_threads(fn: Callable, items: Sequence, workers: int = 2) -> list:
    """`[fn(item) for item in items]`, computed `workers` items at a time, each in a thread.

    Polars, DuckDB and rapidfuzz release the GIL while they work, so one item's stretches of
    single-threaded work (Python between queries, the serial part of a sort or a join) overlap
    another's parallel work, and the cores idle less. Items are started in their order. Each task
    runs in a copy of the caller's context (a context variable's value is seen, and a list it
    holds is shared). The result does not depend on `workers`.

    An error of an item is raised once the items running beside it have finished; the items not
    yet started are not started (nor when the caller is interrupted: a run being stopped)."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
