"""assets.concurrency: `in_threads` gives the same list as a loop over the items, whatever the threads;
`file_lock` makes the next holder wait."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.concurrency import file_lock, in_threads

LOG: ContextVar[list | None] = ContextVar("LOG", default=None)


@settings(max_examples=50, deadline=None)
@given(items=st.lists(st.integers(), max_size=20), workers=st.integers(1, 4))
def test_results_come_back_in_the_order_of_the_items(items, workers):
    def slow_square(x: int) -> int:
        time.sleep(0.0005 * (x % 3))  # later items may finish first
        return x * x

    assert in_threads(slow_square, items, workers) == [x * x for x in items]


def test_items_run_side_by_side_in_threads_of_their_own():
    both_started = threading.Barrier(2, timeout=5)
    names = in_threads(lambda _: (both_started.wait(), threading.current_thread().name)[1], [1, 2], 2)
    assert len(set(names)) == 2 and threading.current_thread().name not in names


def test_one_worker_runs_in_the_callers_thread():
    assert in_threads(lambda _: threading.current_thread().name, [1, 2], 1) == [threading.current_thread().name] * 2


def test_each_item_sees_the_callers_context_and_shares_what_it_holds():
    log: list = []
    token = LOG.set(log)
    try:
        in_threads(lambda x: LOG.get().append(x), [1, 2, 3, 4], 2)
    finally:
        LOG.reset(token)
    assert sorted(log) == [1, 2, 3, 4]


def test_an_error_of_any_item_is_raised():
    def fail_on_three(x: int) -> int:
        if x == 3:
            raise ValueError("item three")
        return x

    with pytest.raises(ValueError, match="item three"):
        in_threads(fail_on_three, [1, 2, 3, 4], 2)


def test_after_an_error_the_items_not_yet_started_are_not_started():
    started: list[int] = []

    def fail_first(x: int) -> int:
        started.append(x)
        if x == 0:
            raise ValueError("item zero")
        time.sleep(0.05)
        return x

    with pytest.raises(ValueError, match="item zero"):
        in_threads(fail_first, list(range(20)), 2)
    assert len(started) <= 4, started  # item 0, the one beside it, and what the freed worker took


def test_a_file_lock_makes_the_next_holder_wait_and_creates_its_folder(tmp_path):
    lock = tmp_path / "new" / "x.lock"
    events: list[str] = []

    def second():
        with file_lock(lock):
            events.append("second")

    with file_lock(lock):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)  # the second holder is waiting, not in
        events.append("first done")
    thread.join(10)
    assert events == ["first done", "second"]
