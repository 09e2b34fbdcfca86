"""A separate SMTP server process for the fault tests: accepts every message and appends one
line per accepted recipient to a file, flushed before the server answers 250, so that the
file holds exactly what the server accepted even when this process is killed.

    python smtp_sink.py PORT FILE
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path: str):
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for address in envelope.rcpt_tos:
                self.file.write(address + "\n")
            self.file.flush()
            os.fsync(self.file.fileno())
        return "250 Message accepted"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
