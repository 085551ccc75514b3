"""pipelines.celery_fs: kombu's filesystem transport and Celery's file result backend with
write-then-rename, so that no reader ever sees a message, exchange table or result half written."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from queue import Empty

import pytest

pytest.importorskip("dagster_celery", reason='needs the celery extra: pip install -e ".[celery]"')

from celery import Celery  # noqa: E402
from kombu import Connection  # noqa: E402
from kombu.exceptions import ChannelError  # noqa: E402

from pipelines import celery_fs  # noqa: E402

QUEUE = "dagster"


def _options(root: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "store_processed": True,
        "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"),
    }


def _channel(root: Path):
    conn = Connection("filesystem://", transport=celery_fs.TRANSPORT, transport_options=_options(root))
    return conn, conn.channel()


def _payload(i: int, size: int) -> dict:
    return {"i": i, "body": str(i % 10) * size}


def test_a_message_is_renamed_into_the_queue_only_once_written_whole(tmp_path, monkeypatch):
    conn, channel = _channel(tmp_path)
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        # at the rename: nothing the consumer takes is in the queue yet, the temporary file is whole
        seen.append((channel._size(QUEUE), json.loads(Path(src).read_bytes()), Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(celery_fs.os, "replace", replace)
    channel._put(QUEUE, _payload(7, 100_000))
    assert len(seen) == 1
    size, written, name = seen[0]
    assert size == 0 and written == _payload(7, 100_000)
    assert name.endswith(f".{QUEUE}.msg")
    assert [p.name for p in (tmp_path / "queue").iterdir()] == [name]
    assert channel._size(QUEUE) == 1 and channel._get(QUEUE) == _payload(7, 100_000)
    assert channel._size(QUEUE) == 0
    conn.release()


def test_a_failed_write_leaves_nothing_in_the_queue(tmp_path, monkeypatch):
    conn, channel = _channel(tmp_path)

    def replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(celery_fs.os, "replace", replace)
    with pytest.raises(ChannelError):
        channel._put(QUEUE, _payload(1, 1000))
    assert not list((tmp_path / "queue").iterdir())
    with pytest.raises(Empty):
        channel._get(QUEUE)
    conn.release()


def test_consumers_polling_while_large_messages_are_written_read_every_message_whole(tmp_path):
    """One producer writes large messages while two consumers poll the same folder without pause:
    every message is read exactly once and parses (with kombu's own channel, consumers read empty
    and half-written messages here)."""
    n, size = 150, 400_000
    producer_conn, producer = _channel(tmp_path)
    consumers = [_channel(tmp_path) for _ in range(2)]
    got: list[dict] = []
    errors: list[BaseException] = []
    done = threading.Event()
    lock = threading.Lock()

    def consume(channel) -> None:
        while True:
            try:
                message = channel._get(QUEUE)
            except Empty:
                if done.is_set() and channel._size(QUEUE) == 0:
                    return
                continue
            except BaseException as exc:  # a half-written message
                errors.append(exc)
                return
            with lock:
                got.append(message)

    threads = [threading.Thread(target=consume, args=(channel,)) for _, channel in consumers]
    for t in threads:
        t.start()
    try:
        for i in range(n):
            producer._put(QUEUE, _payload(i, size))
    finally:
        done.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(m["i"] for m in got) == list(range(n))
    assert all(m == _payload(m["i"], size) for m in got)
    assert len(list((tmp_path / "processed").iterdir())) == n
    assert not list((tmp_path / "queue").iterdir())
    for conn, _ in [(producer_conn, producer), *consumers]:
        conn.release()


def test_queues_bound_at_once_to_a_new_exchange_are_all_in_its_table(tmp_path):
    """Processes declaring their queues at the same moment (workers starting side by side): the
    exchange table is created once, whole, and every binding lands in it."""
    n = 12
    channels = [_channel(tmp_path) for _ in range(n)]
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def bind(i: int, channel) -> None:
        start.wait()
        try:
            channel._queue_bind("celery.pidbox", "", "", f"w{i}.celery.pidbox")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bind, args=(i, ch)) for i, (_, ch) in enumerate(channels)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    table = channels[0][1].get_table("celery.pidbox")
    assert sorted(q.queue for q in table) == sorted(f"w{i}.celery.pidbox" for i in range(n))
    assert [p.name for p in (tmp_path / "control").iterdir()] == ["celery.pidbox.exchange"]
    for conn, _ in channels:
        conn.release()


def test_a_claim_folder_on_another_filesystem_is_refused(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs a second filesystem (/dev/shm)")
    processed = shm / f"perlinsos-claim-{os.getpid()}"
    processed.mkdir()
    try:
        options = {**_options(tmp_path), "processed_folder": str(processed)}
        conn = Connection("filesystem://", transport=celery_fs.TRANSPORT, transport_options=options)
        with pytest.raises(ChannelError, match="different filesystems"):
            conn.channel()
        conn.release()
    finally:
        processed.rmdir()


def test_celery_reaches_the_transport_and_the_backend_by_their_settings(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    app = Celery(
        "t",
        broker="filesystem://",
        backend=f"{celery_fs.BACKEND}+file://{results}",
        config_source={
            "broker_transport": celery_fs.TRANSPORT,
            "broker_transport_options": _options(tmp_path),
        },
    )
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, celery_fs.Transport)
        queue = conn.SimpleQueue(QUEUE)
        queue.put({"step": "policy"})
        message = queue.get(timeout=5)
        assert message.payload == {"step": "policy"}
        message.ack()
        queue.close()
    backend = app.backend
    assert isinstance(backend, celery_fs.FilesystemBackend)
    backend.store_result("task-1", {"events": ["x" * 500_000]}, "SUCCESS")
    assert backend.get_task_meta("task-1")["result"] == {"events": ["x" * 500_000]}
    assert [p.name for p in results.iterdir()] == ["celery-task-meta-task-1"]


def test_a_result_file_is_renamed_into_place_only_once_written_whole(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    backend = Celery("t", backend=f"{celery_fs.BACKEND}+file://{results}").backend
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append((Path(dst).exists(), Path(src).read_bytes(), Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(celery_fs.os, "replace", replace)
    backend.set(b"celery-task-meta-abc", b'{"status": "SUCCESS"}')
    assert seen == [(False, b'{"status": "SUCCESS"}', "celery-task-meta-abc")]
    assert backend.get(b"celery-task-meta-abc") == b'{"status": "SUCCESS"}'
    assert [p.name for p in results.iterdir()] == ["celery-task-meta-abc"]
