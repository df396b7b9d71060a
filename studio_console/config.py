"""config.toml -> typed settings, with errors that name the key, the file and the line.

The settings are plain frozen dataclasses. Their defaults are the safe values
documented in the top-level ``config.toml``; a test keeps the two in step.
Loading rejects unknown keys (with a suggestion), wrong types and a missing
file, always naming the file and, where the key exists in the file, its line.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AudioCueSettings",
    "AudioSettings",
    "ConfigError",
    "DatabaseSettings",
    "ExportSettings",
    "IngestSettings",
    "ModemSettings",
    "RolesSettings",
    "Settings",
    "ShowSchedule",
    "StudioSettings",
    "UiSettings",
    "default_config_path",
    "load_settings",
]


class ConfigError(Exception):
    """A configuration problem, with the file, the key and the line it concerns."""

    def __init__(self, message: str, *, path: Path | None = None, key: str | None = None,
                 line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)
        self.path = path
        self.key = key
        self.line = line


@dataclass(frozen=True)
class StudioSettings:
    """The station itself."""

    station: str = "Radio Malowopati 95.8 FM"
    regency_code: str = "35.22"
    timezone: str = "Asia/Jakarta"
    language: str = "id"


@dataclass(frozen=True)
class ModemSettings:
    """The GSM modem and how the console talks to it."""

    port: str = "/dev/ttyUSB0"
    baudrate: int = 115200
    pin: str = ""
    smsc: str = ""
    command_timeout: float = 10.0
    poll_interval: float = 30.0
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the shared SQLite database lives."""

    path: str = "studio-console.sqlite3"


@dataclass(frozen=True)
class IngestSettings:
    """The no-loss ingest pipeline."""

    multipart_wait: int = 600
    sweep_interval: int = 60
    flood_max_messages: int = 10
    flood_window: int = 300


@dataclass(frozen=True)
class RolesSettings:
    """Console roles and the operators who sign in."""

    default: str = "producer"
    operators: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UiSettings:
    """Look and keys of the screens."""

    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowSchedule:
    """One programme in the schedule."""

    name: str
    days: list[str] = field(default_factory=list)
    start: str = "00:00"
    end: str = "00:00"


DEFAULT_CATEGORIES = (
    "Infrastruktur",
    "Kesehatan",
    "Pendidikan",
    "Administrasi Kependudukan",
    "Sosial",
    "Lingkungan",
    "Ketertiban Umum",
    "Lainnya",
)
DEFAULT_AGENCIES = (
    "Dinas Pekerjaan Umum Bina Marga dan Penataan Ruang",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Dinas Sosial",
    "Dinas Lingkungan Hidup",
    "Dinas Komunikasi dan Informatika",
    "Satuan Polisi Pamong Praja",
)


@dataclass(frozen=True)
class ExportSettings:
    """Complaint export: file package, SMS to LAPOR! 1708, HTTP push."""

    folder: str = "exports"
    sms_number: str = "1708"
    sms_keyword: str = "BJN"
    http_url: str = ""
    http_token_env: str = "STUDIO_CONSOLE_HTTP_TOKEN"
    http_timeout: float = 15.0
    http_ca_file: str = ""
    transports: list[str] = field(default_factory=lambda: ["file", "sms1708"])
    sms_tracking_pattern: str = r"#\s?(\d{5,12})\b"
    citizen_reply: bool = False
    citizen_reply_text: str = (
        "Aduan Anda telah diteruskan ke LAPOR!, nomor {tracking}. Terima kasih. {station}"
    )
    citizen_reply_interval: float = 24.0
    categories: list[str] = field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    agencies: list[str] = field(default_factory=lambda: list(DEFAULT_AGENCIES))


@dataclass(frozen=True)
class AudioCueSettings:
    """The cue sound of each event: "tone", "off", "chime", "kerchunk" or a sound file."""

    sms_approved: str = "tone"
    call_ringing: str = "tone"
    call_hold: str = "tone"


@dataclass(frozen=True)
class AudioSettings:
    """Studio sound: cue tones, the line meter and call recording (``[audio]``)."""

    enabled: bool = True
    cue_device: str = ""
    line_device: str = ""
    samplerate: int = 48000
    line_channels: int = 1
    cue_volume: float = 0.5
    quiet: bool = False
    hold_warning_seconds: int = 120
    record_calls: bool = True
    recordings_folder: str = "recordings"
    format: str = "flac"
    max_disk_mb: int = 2000
    cues: AudioCueSettings = field(default_factory=AudioCueSettings)


@dataclass(frozen=True)
class Settings:
    """Every setting of one studio; ``source`` is the file they came from."""

    studio: StudioSettings = field(default_factory=StudioSettings)
    modem: ModemSettings = field(default_factory=ModemSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    roles: RolesSettings = field(default_factory=RolesSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    shows: list[ShowSchedule] = field(default_factory=list)
    export: ExportSettings = field(default_factory=ExportSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    source: Path | None = None

    def with_overrides(self, *, port: str | None = None, db: str | None = None) -> Settings:
        """Return settings with command-line overrides applied (``--port``, ``--db``)."""
        result = self
        if port:
            result = dataclasses.replace(result, modem=dataclasses.replace(result.modem, port=port))
        if db:
            # A path typed on the command line is relative to where it was typed.
            absolute = str(Path(db).expanduser().absolute())
            result = dataclasses.replace(result, database=DatabaseSettings(path=absolute))
        return result

    def resolve(self, path: str) -> Path:
        """Resolve a path setting relative to the config file's folder."""
        p = Path(path).expanduser()
        if p.is_absolute() or self.source is None:
            return p
        return self.source.parent / p


EXPORT_TRANSPORTS = ("file", "sms1708", "http")
"""The complaint transports, by the names the outbox uses."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def default_config_path() -> Path | None:
    """The config file used when none is named: ``./config.toml``, then the user's."""
    for candidate in (Path("config.toml"), Path("~/.config/studio-console/config.toml").expanduser()):
        if candidate.is_file():
            return candidate
    return None


def load_settings(path: str | Path | None) -> Settings:
    """Load and validate a config file.

    Args:
        path: the TOML file; ``None`` gives the built-in defaults.

    Returns:
        The typed settings.

    Raises:
        ConfigError: the file is missing or unreadable, is not valid TOML, or a
            key is unknown, has the wrong type or an invalid value.
    """
    if path is None:
        return Settings()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(f"not valid TOML: {exc}", path=path, line=line) from None
    locator = _KeyLocator(text)
    settings = _build(Settings, data, (), path, locator)
    settings = dataclasses.replace(settings, source=path)
    _check_values(settings, path, locator)
    return settings


class _KeyLocator:
    """Finds the line of a dotted key in TOML text (tables, arrays of tables, dotted keys)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+?)\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, ...], int] = {}
        counters: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(raw)
            if header:
                parts = tuple(p.strip().strip("\"'") for p in header.group(2).split("."))
                if header.group(1) == "[[":
                    index = counters.get(parts, 0)
                    counters[parts] = index + 1
                    table = (*parts, str(index))
                else:
                    table = parts
                self.lines.setdefault(table, number)
                continue
            key = self._KEY.match(raw)
            if key:
                parts = tuple(p.strip().strip("\"'") for p in key.group(1).split("."))
                self.lines.setdefault((*table, *parts), number)

    def line(self, key: tuple[str, ...]) -> int | None:
        """The line where ``key`` (or its nearest enclosing table) is written."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None


def _dotted(key: tuple[str, ...]) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _build(cls: type, data: Any, key: tuple[str, ...], path: Path, locator: _KeyLocator) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"'{_dotted(key)}' must be a table", path=path, key=_dotted(key),
                          line=locator.line(key))
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    values: dict[str, Any] = {}
    for name, value in data.items():
        sub = (*key, name)
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f" (did you mean '{_dotted((*key, close[0]))}'?)" if close else ""
            raise ConfigError(f"unknown key '{_dotted(sub)}'{hint}", path=path, key=_dotted(sub),
                              line=locator.line(sub))
        values[name] = _convert(hints[name], value, sub, path, locator)
    missing = [n for n, f in fields.items()
               if n not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"'{_dotted(key)}' needs the key '{missing[0]}'", path=path,
                          key=_dotted((*key, missing[0])), line=locator.line(key))
    return cls(**values)


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _convert(hint: Any, value: Any, key: tuple[str, ...], path: Path, locator: _KeyLocator) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key, path, locator)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise _type_error(f"a list of {_describe(item)}", value, key, path, locator)
        return [_convert(item, v, (*key, str(i)), path, locator) for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            raise _type_error("a table", value, key, path, locator)
        return {k: _convert(item, v, (*key, k), path, locator) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        raise TypeError(f"union settings are not supported: {hint}")  # programming error
    ok = isinstance(value, hint) and not (hint is not bool and isinstance(value, bool))
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        raise _type_error(_describe(hint), value, key, path, locator)
    return value


def _describe(hint: Any) -> str:
    if dataclasses.is_dataclass(hint):
        return "tables"
    return _TYPE_NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def _type_error(expected: str, value: Any, key: tuple[str, ...], path: Path,
                locator: _KeyLocator) -> ConfigError:
    got = type(value).__name__
    got = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean",
           "list": "a list", "dict": "a table"}.get(got, got)
    return ConfigError(f"'{_dotted(key)}' must be {expected}, not {got} ({value!r})", path=path,
                       key=_dotted(key), line=locator.line(key))


def _check_values(settings: Settings, path: Path, locator: _KeyLocator) -> None:
    """Checks beyond types: allowed values and ranges."""

    def fail(key: tuple[str, ...], message: str) -> None:
        raise ConfigError(f"'{_dotted(key)}' {message}", path=path, key=_dotted(key),
                          line=locator.line(key))

    if settings.studio.language not in ("id", "en"):
        fail(("studio", "language"), 'must be "id" or "en"')
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.studio.timezone)
    except Exception:
        fail(("studio", "timezone"), f"is not a known time zone: {settings.studio.timezone!r}")
    modem = settings.modem
    if modem.baudrate <= 0:
        fail(("modem", "baudrate"), "must be positive")
    if modem.pin and not re.fullmatch(r"\d{4,8}", modem.pin):
        fail(("modem", "pin"), "must be 4 to 8 digits (or empty for no PIN)")
    for name in ("command_timeout", "poll_interval", "reconnect_min", "reconnect_max"):
        if getattr(modem, name) <= 0:
            fail(("modem", name), "must be greater than 0")
    if modem.reconnect_max < modem.reconnect_min:
        fail(("modem", "reconnect_max"), "must not be smaller than modem.reconnect_min")
    for name in ("multipart_wait", "sweep_interval", "flood_max_messages", "flood_window"):
        if getattr(settings.ingest, name) <= 0:
            fail(("ingest", name), "must be greater than 0")
    if settings.roles.default not in ("producer", "host"):
        fail(("roles", "default"), 'must be "producer" or "host"')
    for i, show in enumerate(settings.shows):
        for day in show.days:
            if day not in _DAYS:
                fail(("shows", str(i), "days"), f"has an unknown day {day!r} (use {', '.join(_DAYS)})")
        for name in ("start", "end"):
            if not _TIME.match(getattr(show, name)):
                fail(("shows", str(i), name), 'must be a time like "13:00"')
    if not 0 < settings.export.http_timeout <= 100:
        # Below the outbox's 120 s lease, so no second worker takes a row still being sent.
        fail(("export", "http_timeout"), "must be greater than 0 and at most 100 seconds")
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", settings.export.sms_keyword):
        fail(("export", "sms_keyword"), "must be 1 to 20 letters or digits")
    export = settings.export
    for name in export.transports:
        if name not in EXPORT_TRANSPORTS:
            known = ", ".join(EXPORT_TRANSPORTS)
            fail(("export", "transports"), f"has an unknown transport {name!r} (use {known})")
    if "http" in export.transports and not export.http_url:
        fail(("export", "transports"), 'names "http" but export.http_url is empty')
    if export.http_url and not re.match(r"https?://[^/\s]+", export.http_url):
        fail(("export", "http_url"), "must be an http:// or https:// address")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", export.http_token_env):
        fail(("export", "http_token_env"), "must be the name of an environment variable")
    try:
        if re.compile(export.sms_tracking_pattern).groups < 1:
            fail(("export", "sms_tracking_pattern"), "must have one (group) around the tracking ID")
    except re.error as exc:
        fail(("export", "sms_tracking_pattern"), f"is not a valid regular expression: {exc}")
    if export.citizen_reply_interval < 0:
        fail(("export", "citizen_reply_interval"), "must not be negative")
    if "{tracking}" not in export.citizen_reply_text:
        fail(("export", "citizen_reply_text"), "must contain {tracking}")
    _check_audio(settings.audio, fail)


def _check_audio(audio: AudioSettings, fail: typing.Callable[[tuple[str, ...], str], None]) -> None:
    """The ``[audio]`` values: rates, ranges, format, cue choices."""
    if audio.samplerate not in (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000):
        fail(("audio", "samplerate"), "must be a standard rate such as 44100 or 48000")
    if not 1 <= audio.line_channels <= 2:
        fail(("audio", "line_channels"), "must be 1 or 2")
    if not 0.0 <= audio.cue_volume <= 1.0:
        fail(("audio", "cue_volume"), "must be between 0.0 and 1.0")
    if audio.hold_warning_seconds <= 0:
        fail(("audio", "hold_warning_seconds"), "must be greater than 0")
    if audio.format not in ("flac", "wav"):
        fail(("audio", "format"), 'must be "flac" or "wav"')
    if audio.max_disk_mb < 0:
        fail(("audio", "max_disk_mb"), "must not be negative (0 = no limit)")
    if not audio.recordings_folder.strip():
        fail(("audio", "recordings_folder"), "must name a folder")
    for name in ("cue_device", "line_device"):
        if getattr(audio, name) != getattr(audio, name).strip():
            fail(("audio", name), "must not start or end with blanks")
    for event in ("sms_approved", "call_ringing", "call_hold"):
        if not getattr(audio.cues, event).strip():
            fail(("audio", "cues", event), 'must be "tone", "off", "chime", "kerchunk" or a file path')
