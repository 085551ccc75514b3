"""A Celery broker and result backend in plain files on one machine, with atomic writes.

For running dagster-celery workers with no server (tests, a single machine). Production uses
RabbitMQ or Redis (docs/operations.md section 6).

kombu's `filesystem` transport and Celery's `file://` result backend both write a file in place:
`open` creates (or truncates) it under its final name and the content follows. A reader polling
between the two sees an empty or half-written message or result: a worker dies on the message
and the run waits for ever. Here every such file is written under a name readers ignore, then
renamed to its final name with `os.replace`, atomic on POSIX within one filesystem: a reader
sees no file or the whole file. Everything else is kombu's and Celery's.

- `Transport`: kombu's filesystem transport whose channel
  - writes each message to `<name>.msg.part` in the queue folder, then renames it to
    `<name>.msg` (the consumer only takes files named `*.<queue>.msg`);
  - creates a missing exchange table (`control_folder/<exchange>.exchange`) the same way, so
    two processes binding queues at once never read an empty table;
  - refuses a claim folder (`processed_folder` when `store_processed`, else the temporary
    directory) on another filesystem than the queue folder: a consumer claims a message by
    renaming it there, atomic only within one filesystem.
  Celery takes it by the `broker_transport` setting, the class's import path
  (`pipelines.celery_fs:Transport`) with `broker_url = "filesystem://"`; kombu refuses an
  import path in the URL's scheme.
- `FilesystemBackend`: Celery's file result backend with the same write-then-rename. Named in
  the backend URL before the scheme: `pipelines.celery_fs:FilesystemBackend+file:///abs/dir`.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from time import monotonic

from celery.backends.filesystem import FilesystemBackend as _CeleryFilesystemBackend
from kombu.exceptions import ChannelError
from kombu.transport import filesystem as _kombu_fs
from kombu.utils.encoding import ensure_bytes, str_to_bytes
from kombu.utils.json import dumps

#: suffix of a message being written; never matches the consumer's `<queue>.msg`
PART_SUFFIX = ".part"
TRANSPORT = f"{__name__}:Transport"
BACKEND = f"{__name__}:FilesystemBackend"


def _write_then_rename(path: str, data: bytes) -> None:
    """Write `data` to `path` so that no reader ever sees `path` partly written."""
    tmp = f"{path}.{uuid.uuid4().hex}{PART_SUFFIX}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _create_if_absent(path: str, data: bytes) -> None:
    """Create `path` holding `data` unless it exists; never visible empty or partly written."""
    tmp = f"{path}.{uuid.uuid4().hex}{PART_SUFFIX}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)  # fails if `path` exists: an atomic create-if-absent
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


class Channel(_kombu_fs.Channel):
    """kombu's filesystem channel; messages and new exchange tables appear whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claim = self.processed_folder if self.store_processed else tempfile.gettempdir()
        try:
            same = os.stat(self.data_folder_in).st_dev == os.stat(claim).st_dev
        except FileNotFoundError:
            return  # kombu reports missing folders itself when it uses them
        if not same:
            raise ChannelError(
                f"the queue folder {self.data_folder_in!r} and the claim folder {claim!r} are on "
                "different filesystems: moving a message between them is not atomic; set "
                "`store_processed` and a `processed_folder` next to the queue folder"
            )

    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written under a temporary name, then renamed."""
        filename = "{}_{}.{}.msg".format(int(round(monotonic() * 1000)), uuid.uuid4(), queue)
        filename = os.path.join(self.data_folder_out, filename)
        try:
            _write_then_rename(filename, str_to_bytes(dumps(payload)))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {filename!r} to directory") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        try:
            _create_if_absent(str(file), b"[]")
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        # the table exists now: kombu updates it in place under an exclusive lock
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(_kombu_fs.Transport):
    """kombu's filesystem transport with `Channel`'s atomic writes."""

    Channel = Channel


class FilesystemBackend(_CeleryFilesystemBackend):
    """Celery's `file://` result backend; a result file appears whole."""

    def set(self, key, value):
        _write_then_rename(os.fsdecode(self._filename(key)), ensure_bytes(value))
