"""The embedded broker: kombu's file-system transport, safe between processes.

kombu's own channel creates a file and then writes into it, both for a message in the queue
folder and for an exchange's table of bound queues in the control folder. A process reading in
that instant gets an empty file: a worker taking such a message fails to decode it and stops
("Unrecoverable error") with the message gone; the site publishing a task while a worker starts
and binds its queues fails the request; two processes binding at once each write their own table
and one binding is lost, and with it every message routed to that queue.

Here every file is written beside its folder and renamed into place when whole (a rename is
atomic on one file system), so a reader only ever sees complete files; an exchange's table is
changed under an exclusive lock on a file of its own, so no change overwrites another. A reader
claims a message by renaming it into a folder of taken ones: of two workers listing the same
file, one wins the rename and the other moves on. A message that still does not decode (written
by hand, or by an older version) is set aside in a folder of rejected ones with an error in the
log, never dropped and never fatal to the worker.

Settings (statuspage/settings.py) select it with `CELERY_BROKER_TRANSPORT` when the broker URL
is `filesystem://`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

STAGING = ".staging"
TAKEN = ".taken"
REJECTED = ".rejected"


def _folder(*parts: str) -> Path:
    folder = Path(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_whole(path: Path, content) -> None:
    """Writes `content` (JSON-serializable) to `path` so that no reader sees part of it."""
    descriptor, partial = tempfile.mkstemp(dir=_folder(path.parent, STAGING), suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(str_to_bytes(dumps(content)))
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_whole(Path(self.data_folder_out) / name, payload)
        except OSError as error:
            raise ChannelError(f"Cannot add {name!r} to the queue folder") from error

    def get_table(self, exchange):
        try:
            table = loads(bytes_to_str(self._exchange_file(exchange).read_bytes()))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise ChannelError(f"Cannot read the table of exchange {exchange!r}") from error
        return [filesystem.exchange_queue_t(*binding) for binding in table]

    @contextmanager
    def _table_lock(self, exchange):
        path = self._exchange_file(exchange)
        _folder(path.parent)
        with open(path.with_name(path.name + ".lock"), "ab") as lock_file:
            filesystem.lock(lock_file, filesystem.LOCK_EX)
            try:
                yield path
            finally:
                filesystem.unlock(lock_file)

    def _change_table(self, exchange, change) -> None:
        try:
            with self._table_lock(exchange) as path:
                table = self.get_table(exchange)
                changed = change(list(table))
                if changed != table:
                    _write_whole(path, changed)
        except OSError as error:
            raise ChannelError(f"Cannot change the table of exchange {exchange!r}") from error

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._change_table(exchange, lambda table: table if binding in table else [binding, *table])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._change_table(exchange, lambda table: [kept for kept in table if kept != binding])

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            taken = _folder(self.data_folder_in, TAKEN) / name
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another reader took it first
            try:
                payload = taken.read_bytes()
            except OSError as error:
                raise ChannelError(f"Cannot read {name!r} from the queue") from error
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                rejected = _folder(self.data_folder_in, REJECTED) / name
                os.replace(taken, rejected)
                logger.error("Broker message %s does not decode; kept in %s", name, rejected)
                continue
            if self.store_processed:
                os.replace(taken, _folder(self.processed_folder) / name)
            else:
                taken.unlink()
            return message
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
