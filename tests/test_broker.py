"""The embedded broker (statuspage/broker.py): a worker reading the queue while the site writes
to it gets every message whole, exactly once, and a broken file does not stop it."""

import threading
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport import virtual

from statuspage.broker import REJECTED, Transport

MESSAGES = 200


@pytest.fixture
def connect(tmp_path):
    queue, control = tmp_path / "queue", tmp_path / "control"
    for folder in (queue, control):
        folder.mkdir()
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
    }
    opened = []

    def connect() -> Connection:
        """A connection as from a process of its own: kombu keeps the bindings a process knows
        of in a class attribute, shared by the threads of one process."""

        class Process(Transport):
            global_state = virtual.BrokerState()

        opened.append(Connection(transport=Process, transport_options=options))
        return opened[-1]

    yield connect
    for connection in opened:
        connection.release()


def _drain(connection: Connection, into: list, errors: list, until: threading.Event) -> None:
    try:
        with connection.SimpleQueue("tasks") as queue:
            while True:
                try:
                    message = queue.get(timeout=0.05)
                except Empty:
                    if until.is_set():
                        return
                    continue
                into.append(message.payload)
                message.ack()
    except Exception as error:  # a worker would stop here
        errors.append(error)


def test_readers_racing_a_writer_get_every_message_whole_and_once(connect):
    # Large bodies keep each write long enough for a reader to look in the middle of it.
    sent = [{"number": number, "body": "x" * 200_000} for number in range(MESSAGES)]
    received: list[dict] = []
    errors: list[Exception] = []
    written = threading.Event()
    readers = [
        threading.Thread(target=_drain, args=(connect(), received, errors, written))
        for _ in range(3)
    ]
    for reader in readers:
        reader.start()
    with connect().SimpleQueue("tasks") as queue:
        for message in sent:
            queue.put(message)
    written.set()
    for reader in readers:
        reader.join(timeout=60)
    assert errors == []
    assert sorted(message["number"] for message in received) == list(range(MESSAGES))
    assert all(message["body"] == "x" * 200_000 for message in received)


def test_a_file_that_does_not_decode_is_set_aside_and_the_next_message_still_arrives(
    connect, tmp_path, caplog
):
    broken = tmp_path / "queue" / "0_broken.tasks.msg"
    broken.write_bytes(b"")
    with connect().SimpleQueue("tasks") as queue:
        queue.put({"number": 1})
        assert queue.get(timeout=5).payload == {"number": 1}
    assert (tmp_path / "queue" / REJECTED / broken.name).exists()
    assert not broken.exists()
    assert "does not decode" in caplog.text


def test_the_embedded_default_uses_this_transport():
    """With no broker configured the site's connection uses it; a configured broker (Redis,
    RabbitMQ) keeps its own transport."""
    from statuspage.celery import app

    with app.connection_for_write() as connection:
        embedded = isinstance(connection.transport, Transport)
    assert embedded == (settings.CELERY_BROKER_URL == "filesystem://")
