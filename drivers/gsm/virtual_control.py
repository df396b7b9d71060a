"""Remote control of a virtual modem over a Unix socket (one JSON object per line each way).

``ControlServer`` serves one :class:`~drivers.gsm.virtual.VirtualModem` on a
socket path; ``control_request`` is the client. A request names an action and
its arguments::

    {"action": "sms", "sender": "+6281234567890", "text": "Halo", "count": 2}

and the reply is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``.
Actions: sms, pdu, status-report, call, hangup, unplug, replug, garbage, delay,
full, cmti-nowhere, noise, urc-mid, auto-reply, status (see ``handle_request``).
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import threading
from typing import Any

from drivers.gsm.virtual import StorageFull, VirtualModem

__all__ = ["ACTIONS", "ControlServer", "control_request", "handle_request"]

_MAX_REQUEST = 1 << 20


def _sms(vm: VirtualModem, req: dict[str, Any]) -> Any:
    stored: list[list[Any]] = []
    count = int(req.get("count", 1))
    for _ in range(count):
        try:
            parts = vm.inject_sms(
                str(req["sender"]),
                str(req["text"]),
                storage=req.get("storage"),
                encoding=req.get("encoding"),
                route=req.get("route", "store"),
                ref_bits=int(req.get("ref_bits", 8)),
                flash=bool(req.get("flash", False)),
            )
        except StorageFull as exc:
            stored += [list(p) for p in exc.stored]
            raise StorageFull(exc.storage, [tuple(p) for p in stored]) from None
        stored += [list(p) for p in parts]
    return stored


def _garbage(vm: VirtualModem, req: dict[str, Any]) -> Any:
    if req.get("hex"):
        sent = vm.send_garbage(bytes.fromhex(str(req["hex"])))
    else:
        sent = vm.send_garbage(int(req.get("count", 64)))
    return {"bytes": len(sent)}


def _auto_reply(vm: VirtualModem, req: dict[str, Any]) -> None:
    number = req.get("number")
    if number in (None, "", "off"):
        vm.set_auto_reply(None)
        return
    kwargs: dict[str, Any] = {}
    if req.get("text"):
        kwargs["text"] = str(req["text"])
    if req.get("delay") is not None:
        kwargs["delay"] = float(req["delay"])
    if req.get("first") is not None:
        kwargs["first_number"] = int(req["first"])
    vm.set_auto_reply(str(number), **kwargs)


ACTIONS: dict[str, Any] = {
    "sms": _sms,
    "pdu": lambda vm, r: list(vm.inject_pdu(str(r["pdu"]), r.get("storage"))),
    "status-report": lambda vm, r: vm.inject_status_report(int(r["reference"]), int(r.get("status", 0))),
    "call": lambda vm, r: vm.call(
        str(r.get("number", "")),
        clip=bool(r.get("clip", True)),
        rings=int(r.get("rings", 3)),
        interval=float(r.get("interval", 1.0)),
    ),
    "hangup": lambda vm, r: vm.remote_hangup(),
    "unplug": lambda vm, r: vm.unplug(),
    "replug": lambda vm, r: vm.replug(),
    "garbage": _garbage,
    "delay": lambda vm, r: vm.set_reply_delay(float(r["seconds"])),
    "full": lambda vm, r: vm.set_storage_full(bool(r.get("on", True))),
    "cmti-nowhere": lambda vm, r: vm.cmti_nowhere(str(r.get("storage", "SM")), int(r.get("index", 7))),
    "noise": lambda vm, r: vm.set_noise(bool(r.get("on", True)), float(r.get("interval", 0.5))),
    "urc-mid": lambda vm, r: vm.inject_urc_mid_response(str(r["line"])),
    "auto-reply": lambda vm, r: _auto_reply(vm, r),
    "status": lambda vm, r: vm.status(),
}


def handle_request(vm: VirtualModem, request: Any) -> dict[str, Any]:
    """Run one control request against ``vm``; never raises.

    Returns:
        ``{"ok": True, "result": ...}`` or ``{"ok": False, "error": reason}``.
    """
    if not isinstance(request, dict) or request.get("action") not in ACTIONS:
        known = ", ".join(sorted(ACTIONS))
        return {"ok": False, "error": f"unknown or missing action (one of: {known})"}
    try:
        result = ACTIONS[request["action"]](vm, request)
    except StorageFull as exc:
        return {"ok": False, "error": str(exc), "stored": [list(p) for p in exc.stored]}
    except KeyError as exc:
        return {"ok": False, "error": f"missing argument {exc.args[0]!r}"}
    except (ValueError, TypeError, RuntimeError, OSError) as exc:
        return {"ok": False, "error": str(exc) or type(exc).__name__}
    if isinstance(result, tuple):
        result = list(result)
    return {"ok": True, "result": result}


class ControlServer:
    """Serves control requests for one virtual modem on a Unix socket, in one thread.

    Args:
        vm: the modem to drive.
        path: the socket path (a stale file there is replaced).
    """

    def __init__(self, vm: VirtualModem, path: str | os.PathLike[str]) -> None:
        self.vm = vm
        self.path = os.fspath(path)
        self._sel: selectors.DefaultSelector | None = None
        self._listener: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._buffers: dict[socket.socket, bytearray] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        """Bind the socket and start serving."""
        if os.path.exists(self.path) or os.path.islink(self.path):
            os.unlink(self.path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(8)
        self._listener.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, "accept")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="vmodem-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every socket and remove the socket file."""
        if self._thread is None:
            return
        self._stopping.set()
        assert self._wake_w is not None
        self._wake_w.send(b"\0")
        self._thread.join(timeout=10)
        self._thread = None
        assert self._sel is not None
        for conn in list(self._buffers):
            conn.close()
        self._buffers.clear()
        self._sel.close()
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._listener = self._wake_r = self._wake_w = None
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        assert self._sel is not None
        while not self._stopping.is_set():
            for key, _ in self._sel.select(timeout=1.0):
                if key.data == "wake":
                    return
                if key.data == "accept":
                    self._accept()
                else:
                    self._read(key.fileobj)  # type: ignore[arg-type]

    def _accept(self) -> None:
        assert self._listener is not None and self._sel is not None
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        conn.settimeout(5.0)
        self._buffers[conn] = bytearray()
        self._sel.register(conn, selectors.EVENT_READ, "conn")

    def _drop(self, conn: socket.socket) -> None:
        assert self._sel is not None
        self._sel.unregister(conn)
        self._buffers.pop(conn, None)
        conn.close()

    def _read(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buf = self._buffers[conn]
        buf += data
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            try:
                request = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                reply: dict[str, Any] = {"ok": False, "error": f"bad JSON: {exc}"}
            else:
                reply = handle_request(self.vm, request)
            try:
                conn.sendall(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")
            except OSError:
                self._drop(conn)
                return
        if len(buf) > _MAX_REQUEST:
            self._drop(conn)


def control_request(
    path: str | os.PathLike[str], request: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    """Send one request to a control socket and return the decoded reply.

    Raises:
        OSError: the socket is missing or refuses the connection, or times out.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(os.fspath(path))
        sock.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
        buf = bytearray()
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the control socket closed without a reply")
            buf += chunk
    reply = json.loads(bytes(buf).partition(b"\n")[0].decode("utf-8"))
    if not isinstance(reply, dict):
        raise ConnectionError("the control socket sent a malformed reply")
    return reply
