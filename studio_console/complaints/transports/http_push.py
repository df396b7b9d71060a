"""Transport 3: the HTTP JSON push to a complaint system (SIAP LAPOR! once it offers an API).

One complaint is one ``POST`` of its payload (:func:`~studio_console.complaints.model.to_payload`,
anonim already applied) as UTF-8 JSON, described by ``schema/aduan.schema.json`` and by
``docs/complaints-http.md`` for whoever builds the receiving side. Every request carries:

- ``Idempotency-Key``: the outbox row's key, the same on every attempt for that complaint, so
  the receiver creates one complaint however often it is sent;
- ``Authorization: Bearer <token>``: the token is read from the environment variable named by
  ``export.http_token_env`` at each send, never from the config file, and it never appears in
  a log line, an error, a receipt or an exception message (a server that echoes it back gets
  it replaced by ``***``);
- ``Content-Type: application/json; charset=utf-8``, ``Accept: application/json`` and
  ``User-Agent: studio-console/<version>``.

TLS certificates are always verified (the system's CAs plus ``export.http_ca_file`` when
set); plain ``http://`` is allowed to loopback addresses only, so the token never crosses a
network in clear text. The whole exchange (connect, TLS, request, answer) has one deadline,
``export.http_timeout``: a server that hangs or trickles its answer cannot hold the outbox
worker. Redirects are not followed.

How answers map onto the outbox contract:

- ``2xx`` with ``{"tracking_id": "..."}`` (also ``trackingId``, ``trackingid``, or ``id``) ->
  :class:`~studio_console.complaints.outbox.Receipt` with the tracking ID; ``2xx`` without one
  -> a receipt without tracking ID; ``2xx`` whose body is not JSON -> transient (the repeat
  with the same key returns the original result);
- ``408``, ``409`` (the same key is still being processed), ``425``, ``429``, ``5xx``,
  timeouts, refused / reset connections, an answer cut off -> :class:`TransientError`;
- other ``4xx`` -> :class:`PermanentError` carrying the server's reason (from the JSON
  ``error`` / ``message`` / ``detail``, or the text body), shortened and with control
  characters removed; ``3xx`` and an untrusted TLS certificate -> :class:`PermanentError`
  saying what to fix;
- a payload that does not match the schema, a missing token variable -> :class:`PermanentError`
  before anything is sent.
"""

from __future__ import annotations

import functools
import heapq
import http.client
import ipaddress
import itertools
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from studio_console import __version__
from studio_console.complaints.outbox import PermanentError, Receipt, TransientError
from studio_console.text import surrogate_safe

__all__ = [
    "MAX_ANSWER_BYTES",
    "NAME",
    "SCHEMA_NAME",
    "USER_AGENT",
    "HttpTransport",
    "load_schema",
    "validate_payload",
]

log = logging.getLogger(__name__)

NAME = "http"
SCHEMA_NAME = "aduan.schema.json"
USER_AGENT = f"studio-console/{__version__}"
MAX_ANSWER_BYTES = 256 * 1024  # more than any sensible answer to one complaint
REASON_MAX = 200  # characters of a server's reason kept in an error
TRACKING_MAX = 64  # a longer "tracking ID" is not one
TRANSIENT_CLIENT_ERRORS = frozenset({408, 409, 425, 429})
_TRACKING_KEYS = ("tracking_id", "trackingId", "trackingid")
_REASON_KEYS = ("error", "message", "detail", "reason", "title", "errors")
_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")
# C0/C1 controls, DEL, bidi and invisible format characters: never part of a shown reason.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_REDACTED = "***"


# ---------------------------------------------------------------- the schema
@functools.cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the payload (``studio_console/complaints/schema/aduan.schema.json``)."""
    text = resources.files("studio_console.complaints").joinpath("schema", SCHEMA_NAME).read_text("utf-8")
    return json.loads(text)


# The JSON Schema keywords this module checks (a subset of draft 2020-12: what the schema uses).
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description"})
_KEYWORDS = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "if",
    "then",
    "else",
    "not",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _has_type(value: Any, name: str) -> bool:
    actual = _json_type(value)
    return actual == name or (name == "number" and actual == "integer")


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return _json_type(a) == _json_type(b) and a == b


def _problems(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"{SCHEMA_NAME} uses keywords this checker does not know: {sorted(unknown)}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_has_type(value, t) for t in types):
            return [f"{path}: expected {' or '.join(types)}, got {_json_type(value)}"]
    found: list[str] = []
    if "const" in schema and not _same(value, schema["const"]):
        found.append(f"{path}: must be {json.dumps(schema['const'])}")
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        found.append(f"{path}: must be one of {', '.join(json.dumps(e) for e in schema['enum'])}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{path}: must have at least {schema['minLength']} character(s)")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: must have at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: does not match {schema['pattern']}")
    if _has_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
        found.append(f"{path}: must be at least {schema['minimum']}")
    if isinstance(value, dict):
        found += [f"{path}.{name}: missing" for name in schema.get("required", ()) if name not in value]
        properties = schema.get("properties", {})
        for name, sub in properties.items():
            if name in value:
                found += _problems(sub, value[name], f"{path}.{name}")
        if schema.get("additionalProperties", True) is False:
            found += [f"{path}: unexpected field {name!r}" for name in value if name not in properties]
    if isinstance(value, list | tuple) and "items" in schema:
        for index, item in enumerate(value):
            found += _problems(schema["items"], item, f"{path}[{index}]")
    if "not" in schema and not _problems(schema["not"], value, path):
        required = schema["not"].get("required")
        found.append(
            f"{path}: {', '.join(required)} must be absent"
            if required
            else f"{path}: matches a forbidden form"
        )
    if "if" in schema:
        branch = "then" if not _problems(schema["if"], value, path) else "else"
        if branch in schema:
            found += _problems(schema[branch], value, path)
    return found


def _file_name(entry: Any) -> Any:
    """A lampiran entry as the receiver sees it: the file's name without the studio's folders."""
    return entry.replace("\\", "/").rsplit("/", 1)[-1] if isinstance(entry, str) else entry


def validate_payload(payload: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """What is wrong with ``payload`` against the aduan schema; empty when it conforms.

    The messages name fields and rules, never the values (they may be personal data).
    """
    return _problems(schema or load_schema(), payload, "payload")


# ---------------------------------------------------------------- text from the server
def _clean(text: str, limit: int = REASON_MAX) -> str:
    """One line of untrusted server text: controls removed, whitespace collapsed, shortened."""
    text = " ".join(_UNSAFE.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _reason_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in _REASON_KEYS:
            if key in value:
                found = _reason_of(value[key])
                if found:
                    return found
        return None
    if isinstance(value, list) and value:
        parts = [r for r in (_reason_of(v) for v in value[:5]) if r]
        return "; ".join(parts) or None
    return None


def _server_reason(body: bytes, status_phrase: str) -> str:
    text = body.decode("utf-8", errors="replace")
    reason = None
    try:
        reason = _reason_of(json.loads(text)) if text.strip() else None
    except ValueError:
        reason = text
    return _clean(reason or status_phrase or "no reason given") or "no reason given"


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Token:
    """The bearer token, kept out of reprs (tracebacks that show locals print ``***``)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def header(self) -> bytes:
        return b"Bearer " + self._value.encode("ascii")

    def redact(self, text: str) -> str:
        return text.replace(self._value, _REDACTED) if self._value else text

    def __repr__(self) -> str:
        return "_Token(***)"

    __str__ = __repr__


class _Watchdog:
    """One thread for every deadline: runs an action when its time comes, unless cancelled.

    Cheaper than a ``threading.Timer`` (a new thread) per request.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[list[Any]] = []  # [when, sequence, action or None when cancelled]
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, action: Callable[[], None]) -> list[Any]:
        """Run ``action`` in ``seconds``; returns the entry to :meth:`cancel`."""
        entry = [time.monotonic() + seconds, next(self._seq), action]
        with self._cond:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-push-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    def cancel(self, entry: list[Any]) -> None:
        with self._cond:
            entry[2] = None

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                entry = heapq.heappop(self._heap)
                action, entry[2] = entry[2], None
                self._cond.release()
                try:
                    action()
                except Exception:
                    log.exception("http push deadline")
                finally:
                    self._cond.acquire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """Closes the connection's socket when the total time is up, whatever it is waiting for.

    Per-operation socket timeouts alone would let a server that trickles one byte at a
    time hold the worker for ever; this bounds the whole exchange.
    """

    def __init__(self, conn: http.client.HTTPConnection, seconds: float) -> None:
        self.conn = conn
        self.seconds = seconds
        self.fired = False
        self._entry: list[Any] | None = None

    def _fire(self) -> None:
        self.fired = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Deadline:
        self._entry = _WATCHDOG.watch(self.seconds, self._fire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._entry is not None:
            _WATCHDOG.cancel(self._entry)


class HttpTransport:
    """Pushes one complaint per ``POST`` to ``url`` (the outbox's ``"http"`` transport).

    Args:
        url: the endpoint, ``https://...`` (``http://`` only to a loopback address).
        token_env: the environment variable holding the bearer token.
        timeout: seconds for the whole exchange, from connecting to the last byte of the answer.
        ca_file: a PEM bundle trusted in addition to the system's CAs (a private endpoint).
        environ: where to read ``token_env`` (default ``os.environ``), read at each send.

    Raises:
        ValueError: the URL is not an http(s) address with a host, carries credentials, or
            the timeout is not positive.
    """

    name = NAME

    def __init__(
        self,
        url: str,
        *,
        token_env: str = "STUDIO_CONSOLE_HTTP_TOKEN",
        timeout: float = 15.0,
        ca_file: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the complaint endpoint must be an http:// or https:// address: {url!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError(
                "the complaint endpoint must not carry credentials; the token comes from token_env"
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"the complaint endpoint has an invalid port: {url!r}") from exc
        if not timeout or timeout <= 0:
            raise ValueError(f"the HTTP timeout must be greater than 0, not {timeout!r}")
        self.url = url.strip()
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = port or (443 if self.https else 80)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.endpoint = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
        self.token_env = token_env
        self.timeout = float(timeout)
        self.ca_file = str(ca_file) if ca_file else None
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self._context: ssl.SSLContext | None = None
        self._context_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        export: Any,
        *,
        base_dir: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> HttpTransport:
        """The transport ``config.toml``'s ``[export]`` describes (an ``ExportSettings``).

        Args:
            export: the export settings (``http_url``, ``http_token_env``, ``http_timeout``,
                ``http_ca_file``).
            base_dir: folder a relative ``http_ca_file`` is relative to (the config file's).
            environ: where the token variable is read (default ``os.environ``).
        """
        ca_file: str | Path | None = export.http_ca_file or None
        if ca_file and base_dir is not None and not Path(ca_file).expanduser().is_absolute():
            ca_file = Path(base_dir) / ca_file
        elif ca_file:
            ca_file = Path(ca_file).expanduser()
        return cls(
            export.http_url,
            token_env=export.http_token_env,
            timeout=export.http_timeout,
            ca_file=ca_file,
            environ=environ,
        )

    def __repr__(self) -> str:
        return f"HttpTransport({self.endpoint!r}, token_env={self.token_env!r}, timeout={self.timeout:g})"

    # ------------------------------------------------------------ checks before sending
    def _token(self) -> _Token:
        value = (self.environ.get(self.token_env) or "").strip()
        if not value:
            raise PermanentError(
                f"the environment variable {self.token_env} holding the bearer token for "
                f"{self.endpoint} is not set"
            )
        if not re.fullmatch(r"[\x21-\x7e]+", value):
            raise PermanentError(
                f"the bearer token in {self.token_env} has characters an HTTP header cannot carry "
                "(only visible ASCII is allowed)"
            )
        return _Token(value)

    def _ssl_context(self) -> ssl.SSLContext:
        with self._context_lock:
            if self._context is None:
                context = ssl.create_default_context()
                if self.ca_file:
                    try:
                        context.load_verify_locations(cafile=self.ca_file)
                    except (OSError, ssl.SSLError) as exc:
                        raise PermanentError(
                            f"export.http_ca_file {self.ca_file} cannot be used: "
                            f"{getattr(exc, 'strerror', None) or exc}"
                        ) from None
                self._context = context
            return self._context

    def _body(self, payload: dict[str, Any]) -> bytes:
        if isinstance(payload.get("lampiran"), list):  # names only: no studio paths, no audio upload
            payload = {**payload, "lampiran": [_file_name(x) for x in payload["lampiran"]]}
        problems = validate_payload(payload)
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise PermanentError(
                f"the complaint does not match {SCHEMA_NAME}: {'; '.join(problems[:3])}{more}"
            )
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        # A lone surrogate (a broken UCS2 SMS) cannot be UTF-8: show it as U+FFFD.
        return surrogate_safe(text).encode("utf-8")

    # ------------------------------------------------------------ sending
    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        """POST one complaint; see the module docstring for how answers are read.

        Raises:
            TransientError: try again later (network, timeout, 5xx, 408/409/425/429, a cut
                or unreadable 2xx answer).
            PermanentError: refused for good (4xx, 3xx, TLS certificate not trusted, a
                payload outside the schema, the token variable unset).
        """
        if not isinstance(idempotency_key, str) or not _KEY_RE.fullmatch(idempotency_key):
            raise PermanentError("the idempotency key must be 1 to 255 visible ASCII characters")
        body = self._body(payload)
        token = self._token()
        if not self.https and not _is_loopback(self.host):
            raise PermanentError(
                f"refusing to send the bearer token over plain http to {self.host}; "
                "use an https:// address for export.http_url"
            )
        try:
            return self._exchange(body, idempotency_key, token)
        except (TransientError, PermanentError) as exc:
            # The server's own words may quote the token back; they never leave here with it.
            cleaned = token.redact(str(exc))
            if cleaned != str(exc):
                raise type(exc)(cleaned) from None
            raise

    def _connection(self) -> http.client.HTTPConnection:
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self._ssl_context()
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _exchange(self, body: bytes, key: str, token: _Token) -> Receipt:
        where = f"{self.host}:{self.port}"
        conn = self._connection()
        started = time.monotonic()
        try:
            with _Deadline(conn, self.timeout) as deadline:
                try:
                    conn.connect()
                    conn.putrequest("POST", self._target, skip_accept_encoding=True)
                    conn.putheader("Content-Type", "application/json; charset=utf-8")
                    conn.putheader("Content-Length", str(len(body)))
                    conn.putheader("Accept", "application/json")
                    conn.putheader("User-Agent", USER_AGENT)
                    conn.putheader("Idempotency-Key", key)
                    conn.putheader("Authorization", token.header())
                    conn.putheader("Connection", "close")
                    conn.endheaders(body)
                    response = conn.getresponse()
                    answer = response.read(MAX_ANSWER_BYTES + 1)
                    if len(answer) <= MAX_ANSWER_BYTES and response.length:
                        # read(amt) returns a short body quietly when the peer closes early.
                        raise http.client.IncompleteRead(answer, response.length)
                except ssl.SSLCertVerificationError as exc:
                    raise PermanentError(
                        f"the TLS certificate of {where} is not trusted "
                        f"({_clean(exc.verify_message or str(exc))}); for a private endpoint put its "
                        "CA in export.http_ca_file"
                    ) from None
                except TimeoutError:
                    raise TransientError(f"no answer from {where} within {self.timeout:g} s") from None
                except (http.client.HTTPException, OSError) as exc:
                    if deadline.fired:
                        raise TransientError(
                            f"no complete answer from {where} within {self.timeout:g} s"
                        ) from None
                    raise TransientError(_network_error(exc, where)) from None
                if deadline.fired:
                    raise TransientError(f"no complete answer from {where} within {self.timeout:g} s")
        finally:
            conn.close()
        elapsed = time.monotonic() - started
        receipt = self._read(response, answer, where)
        log.info(
            "POST %s key %s -> HTTP %d in %.0f ms, tracking %s",
            self.endpoint,
            key,
            response.status,
            elapsed * 1000,
            receipt.tracking_id,
        )
        return receipt

    def _read(self, response: http.client.HTTPResponse, answer: bytes, where: str) -> Receipt:
        status = response.status
        prefix = f"HTTP {status} from {where}"
        if 200 <= status < 300:
            if len(answer) > MAX_ANSWER_BYTES:
                raise TransientError(f"{prefix}: the answer is larger than {MAX_ANSWER_BYTES} bytes")
            detail: dict[str, Any] = {"http_status": status}
            request_id = response.getheader("X-Request-Id")
            if request_id:
                detail["request_id"] = _clean(request_id, TRACKING_MAX)
            if not answer.strip():
                return Receipt(None, detail)
            try:
                data = json.loads(answer.decode("utf-8"))
            except ValueError:
                raise TransientError(
                    f"{prefix}: the answer is not JSON; it will be sent again with the same "
                    "Idempotency-Key for the original result"
                ) from None
            if not isinstance(data, dict):
                return Receipt(None, detail)
            key = next((k for k in _TRACKING_KEYS if k in data), "id" if "id" in data else None)
            tracking = _tracking_id(data.get(key)) if key else None
            if "id" in data and key != "id" and _tracking_id(data["id"]):
                detail["response_id"] = _tracking_id(data["id"])
            if key and tracking is None and data.get(key) not in (None, ""):
                detail["unusable_tracking_id"] = True
            return Receipt(tracking, detail)
        reason = _server_reason(answer[:MAX_ANSWER_BYTES], response.reason or "")
        retry_after = response.getheader("Retry-After")
        later = f" (Retry-After: {_clean(retry_after, 40)})" if retry_after else ""
        if 300 <= status < 400:
            location = _clean(response.getheader("Location") or "nowhere", 120)
            raise PermanentError(
                f"{prefix}: redirect to {location} not followed; set export.http_url to the final address"
            )
        if status in (401, 403):
            raise PermanentError(f"{prefix}: the bearer token in {self.token_env} was refused: {reason}")
        if status == 409:
            raise TransientError(f"{prefix}: this Idempotency-Key is still being processed: {reason}")
        if status in TRANSIENT_CLIENT_ERRORS:
            raise TransientError(f"{prefix}: {reason}{later}")
        if 400 <= status < 500:
            raise PermanentError(f"{prefix}: {reason}")
        if 500 <= status < 600:
            raise TransientError(f"{prefix}: {reason}{later}")
        raise TransientError(f"{prefix}: unexpected status")


def _tracking_id(value: Any) -> str | None:
    """A tracking ID from the server's JSON: a short string or number without control characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if text and len(text) <= TRACKING_MAX and not _UNSAFE.search(text) else None


def _network_error(exc: BaseException, where: str) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"connection to {where} refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return f"{where} closed the connection without answering"
    if isinstance(exc, http.client.IncompleteRead):
        return f"{where} closed the connection in the middle of its answer"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return f"connection to {where} reset"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {_clean(exc.reason or str(exc), 120)}"
    if isinstance(exc, http.client.HTTPException):
        return f"{where} gave an invalid HTTP answer ({type(exc).__name__})"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {where}: {_clean(exc.strerror or str(exc), 120)}"
    text = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    return f"network error with {where}: {_clean(text, 120)}"
