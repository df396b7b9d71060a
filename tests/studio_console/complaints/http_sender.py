"""The sender the kill test SIGKILLs: the real OutboxWorker with the real HttpTransport.

Runs until SIGTERM (then stops the worker cleanly and exits 0). The token is read from
``STUDIO_CONSOLE_HTTP_TOKEN`` in the environment, as in production. One thing differs from
production, to fit the test in a minute: the outbox's backoff after a transient failure is
scaled from 30 s .. 1 h down to ``--backoff`` s .. 8 x ``--backoff`` s (the worker's
``backoff`` option).

    python tests/studio_console/complaints/http_sender.py --db D --url U [--lease 2] [--poll 0.05]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from studio_console.complaints import outbox  # noqa: E402
from studio_console.complaints.transports.http_push import HttpTransport  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--url", required=True)
    parser.add_argument("--timeout", type=float, default=5.0, help="the transport's deadline")
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--backoff", type=float, default=0.05, help="first backoff, seconds")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = outbox.OutboxWorker(
        args.db,
        [HttpTransport(args.url, timeout=args.timeout)],
        poll=args.poll,
        lease=args.lease,
        backoff=(args.backoff, args.backoff * 8),
    )
    worker.start()
    while not stop.wait(0.2):
        pass
    worker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
