"""Every setting of the kiosk, declared once: key, type, default, check and source.

A setting may come from

- the **database** (``Kiosk.setting``): what staff chose on the screen, or
  ``nanum`` commands stored;
- the configuration file's ``[defaults]`` table: the starting value of a
  database setting on an installation;
- another section of the configuration file (``[camera] device``): deployment
  options, some of which are also the starting value of a database setting
  (the camera, the printer, the platform address);
- the **environment** (named in the table): read by the command line.

Whichever the source, a value goes through the same check and ends in the same
form: a camera is one spec string, a printer is ``none``, ``lp``, ``lp:QUEUE``
or ``pdf:FOLDER``, a platform address a URL. Older forms (the file's printer
``kind``/``name``/``pdf_dir``, a camera index stored as a number) are turned
into that form by the setting's upgrade hook.

``docs/settings.md`` is generated from this table (:func:`document`); a test
keeps the two equal.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kiosk import keymap
from kiosk.errors import BadInput
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Message
from kiosk.limits import SITE_NAME_MAX, clean_text

log = logging.getLogger(__name__)

DATABASE = "database"
DEFAULTS = "[defaults]"
#: the message naming the setting whose value was refused
REFUSED = N_("Setting {key}: {reason}")
UNKNOWN = N_("Unknown setting: {name}")


# -- checks: each takes a value of the declared type, returns it clean or raises BadInput --------
def _language(value: Any) -> str:
    if value not in LANGUAGES:
        raise BadInput(N_("Unknown language: {value}. Use ko or en."), value=value)
    return str(value)


def _idle_seconds(value: int) -> int:
    if not 10 <= value <= 3600:
        raise BadInput(N_("The idle time must be 10 to 3600 seconds."))
    return value


def _site_name(value: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > SITE_NAME_MAX:
        raise BadInput(N_("The centre needs a name of at most 200 characters."))
    # It is printed on every label, card and receipt.
    return clean_text(text, SITE_NAME_MAX, Message(N_("The centre's name")))


def _printer(value: str) -> str:
    text = value.strip()
    if text in ("none", "lp") or (text.startswith(("lp:", "pdf:")) and len(text) > 4):
        return text
    raise BadInput(N_("Unknown printer {name}: use none, lp, lp:QUEUE or pdf:FOLDER."), name=text)


def _camera(value: str) -> str:
    """A camera spec as ``hardware.frames.open_source`` reads it (checked there when opened)."""
    text = value.strip()
    if text in ("auto", "virtual") or (text.isascii() and text.isdigit()) or (
            text.startswith(("/dev/", "file:", "folder:", "video:", "virtual:")) and 0 < len(text) <= 300):
        return text
    if 0 < len(text) <= 300 and "/" in text and not any(c.isspace() for c in text):
        return text  # a bare path to an image, folder or video
    raise BadInput(N_("Unknown camera {name}: use auto, virtual, a number or /dev/videoN."), name=text)


#: the camera controls' keys and the words their values may be (else a number)
_CAMERA_CONTROLS = {"exposure_ms": ("auto",), "power_line": ("off", "50", "60", "auto"),
                    "focus": ("auto",), "white_balance_k": ("auto",)}


def _camera_controls(value: str) -> str:
    """Camera controls as ``key=value;...`` (hardware.camera_controls.CameraSettings.to_text();
    its ranges are checked there, when the camera opens). Empty: 60 Hz, the rest automatic."""
    text = value.strip()
    for part in text.split(";") if text else ():
        key, _, v = part.strip().partition("=")
        words = _CAMERA_CONTROLS.get(key.strip())
        v = v.strip().lower()
        number = v.replace(".", "", 1).isdigit() and v.isascii() and key.strip() != "power_line"
        if words is None or not (v in words or number) or len(text) > 200:
            raise BadInput(N_("Unknown camera setting: {setting}."), setting=part.strip()[:40])
    return text


def _sync_url(value: str) -> str:
    """The city platform's address; empty means this kiosk works offline only."""
    text = value.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(text) > 300 \
            or any(c.isspace() for c in text):
        raise BadInput(N_("Not a web address: {url}. Write it like https://platform.example/."), url=text)
    return text


def _pin_hash(value: str) -> str:
    if not value.strip():
        raise BadInput(N_("Use a hash made by kiosk.secrets_hash.hash_pin."))
    return value


def _weekdays(value: list[Any]) -> list[int]:
    days = [d for d in value if isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6]
    if len(days) != len(value) or len(set(days)) >= 7:
        raise BadInput("Closed weekdays must be 0 (Monday) to 6 (Sunday), not all seven.")
    return sorted(set(days))


def _printer_kind(value: str) -> str:
    if value not in ("auto", "system", "pdf", "none"):
        raise BadInput(N_("Unknown printer kind {name}: use auto, system, pdf or none."), name=value)
    return value


def _fee_policy(value: str) -> str:
    if value not in ("block", "warn"):
        raise BadInput(N_("Unknown fee policy {name}: use block or warn."), name=value)
    return value


def _decoder(value: str) -> str:
    if value not in ("zxing", "pyzbar"):
        raise BadInput(N_("Unknown decoder {name}: use zxing or pyzbar."), name=value)
    return value


# -- upgrade hooks: an older stored form into the one form --------------------------------------
def _old_printer(value: Any) -> Any:
    # the configuration file's printer kinds, once stored as they were
    return {"auto": None, "system": "lp"}.get(value, value) if isinstance(value, str) else value


def _old_camera(value: Any) -> Any:
    # a camera index stored as a number
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def printer_from_file(kind: str, name: str, pdf_dir: str) -> str | None:
    """The file's ``[printer]`` kind, name and pdf_dir as the one printer form (None: auto)."""
    if kind == "system":
        return f"lp:{name}" if name else "lp"
    if kind == "pdf":
        return f"pdf:{pdf_dir}" if pdf_dir else None
    if kind == "none":
        return "none"
    return None  # auto: the system printer when CUPS is present


@dataclass(frozen=True)
class Setting:
    """One setting. ``key`` is its name in the database and in ``[defaults]``; a file-only
    option's key is ``section.name``."""

    key: str
    type: type
    default: Any
    doc: str
    check: Callable[[Any], Any] | None = None
    low: float | None = None  # numbers: the range; a stored value outside is brought inside
    high: float | None = None
    sources: tuple[str, ...] = (DATABASE, DEFAULTS)
    file: tuple[str, str] | None = None  # the configuration file's section and key
    env: str | None = None  # the environment variable the command line reads
    staff: bool = False  # staff change it in the settings page
    upgrade: Callable[[Any], Any] | None = None
    from_file: Callable[[dict[str, dict[str, Any]]], Any] | None = field(default=None, compare=False)

    @property
    def in_database(self) -> bool:
        return DATABASE in self.sources

    def clean(self, value: Any) -> Any:
        """The value in its one form, or BadInput with the check's own message."""
        if self.upgrade is not None:
            value = self.upgrade(value)
        if value is None and self.default is None:
            return None
        value = self._typed(value)
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            if self.check is None:
                raise BadInput(N_("Use a number from {low} to {high}."),
                               low=_number(self.low), high=_number(self.high))
        return self.check(value) if self.check is not None else value

    def _typed(self, value: Any) -> Any:
        want = self.type
        if want in (int, float):
            if isinstance(value, bool):
                raise BadInput(N_("Use a number, not {value}."), value=str(value).lower())
            if isinstance(value, str):
                try:
                    value = want(value.strip())
                except ValueError:
                    raise BadInput(N_("Use a number, not {value}."), value=value) from None
            if want is int and isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, (int, float)) or (want is int and not isinstance(value, int)):
                raise BadInput(N_("Use a whole number, not {value}.") if want is int
                               else N_("Use a number, not {value}."), value=str(value))
            return want(value)
        if want is bool:
            if not isinstance(value, bool):
                raise BadInput(N_("Use true or false, not {value}."), value=str(value))
            return value
        if want is str:
            if not isinstance(value, str):
                raise BadInput(N_("Use text, not {value}."), value=str(value))
            return value
        if not isinstance(value, want):
            raise BadInput(N_("Use a list, not {value}."), value=str(value))
        return value


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _file(section: str, key: str, default: Any, doc: str, check: Callable[[Any], Any] | None = None,
          env: str | None = None) -> Setting:
    return Setting(f"{section}.{key}", type(default), default, doc, check, sources=(f"[{section}] {key}",),
                   file=(section, key), env=env)


def _from(section: str, key: str) -> Callable[[dict[str, dict[str, Any]]], Any]:
    return lambda values: values[section][key]


SETTINGS: tuple[Setting, ...] = (
    # -- the configuration file's deployment options (read when the kiosk starts) --
    _file("kiosk", "data_dir", "", "Data folder (database, crash files). Empty: the user data folder.",
          env="NANUM_DATA_DIR"),
    _file("kiosk", "log_dir", "", "Log folder. Empty: <data_dir>/logs."),
    _file("kiosk", "log_max_bytes", 2_000_000, "Size of one log file before it rotates."),
    _file("kiosk", "log_backups", 5, "How many rotated log files to keep."),
    _file("kiosk", "windowed", False, "Run in a window instead of fullscreen (development only)."),
    _file("camera", "device", "auto",
          "Camera: 'auto' (the first camera attached; with none, codes are typed), an index like 0, "
          "a device path like /dev/video0, a video or image file, or 'virtual'.", _camera),
    _file("camera", "width", 1280, "Capture width in pixels."),
    _file("camera", "height", 720, "Capture height in pixels."),
    _file("camera", "fps", 30, "Capture frame rate."),
    _file("camera", "decoder", "zxing", "QR decoder: 'zxing' (default, fastest) or 'pyzbar'.", _decoder),
    _file("printer", "kind", "auto",
          "Receipt printer: 'auto' (system printer when CUPS is present), 'system', 'pdf' or 'none'.",
          _printer_kind),
    _file("printer", "name", "", "System printer name (empty: the default printer)."),
    _file("printer", "pdf_dir", "", "Folder for receipts when kind = 'pdf'."),
    _file("sync", "url", "", "City platform address, e.g. https://platform.example/ (empty: offline only).",
          _sync_url),
    _file("sync", "kiosk_id", "", "This kiosk's id on the platform."),
    _file("sync", "credential_file", "", "File holding this kiosk's credential (readable by the nanum user only)."),
    _file("sync", "ca_bundle", "", "CA bundle to verify the platform's TLS certificate (empty: system CAs)."),
    _file("sync", "interval_s", 60, "Seconds between sync rounds when idle."),
    # read by the kiosk's services too (kiosk.services.lifecycle), so the file's value is a starting value
    Setting("privacy.key_file", str, "", "File holding the key that encrypts members' contacts (0600, created "
            "at first use; keep it outside backups of the database). Empty: contact.key in the data folder.",
            sources=("[privacy] key_file",), file=("privacy", "key_file"), from_file=_from("privacy", "key_file")),
    # -- settings in the database; the file gives the starting values --
    Setting("ui_language", str, DEFAULT_LANGUAGE, "The language a resident's session starts in.",
            _language, staff=True),
    Setting("ui_idle_quiet_s", int, 60, "Seconds without a touch before the idle warning.",
            _idle_seconds, low=10, high=3600, staff=True),
    Setting("ui_idle_warning_s", int, 20, "Seconds the idle warning counts down (at least 20: residents "
            "need time to notice and answer it).", low=20, high=300),
    Setting("ui_thanks_s", int, 6, "Seconds the thank-you screen stays.", low=2, high=60),
    Setting("ui_panel_dpi", float, 102.0, "The panel's pixel density (102: a 21.5\" 1080p panel).",
            low=50, high=600),
    Setting("ui_panel_mount_cm", float, 100.0,
            "Height above the floor of the bottom edge of the screen's picture, in cm; with the panel's "
            "height it says which part of the screen a seated resident or a child can reach (at most "
            "120 cm above the floor): the low-reach layout keeps every control below that line.",
            low=0, high=250),
    Setting("ui_panel_height_cm", float, 0.0, "Height of the screen's picture in cm (0: worked out from "
            "the window's height in pixels and ui_panel_dpi).", low=0, high=300),
    Setting("ui_receipt_qr", bool, True, "Offer a receipt as a QR code."),
    Setting("ui_earphone_voice", bool, True, "Turn voice guidance on when earphones are plugged in."),
    Setting("keypad_keys", str, keymap.DEFAULT_KEYS,
            "The keys that work the resident screens without sight (any keypad key also turns voice "
            "guidance on), as action=key key ...; (empty: keypad operation off). Actions: next, previous "
            "(move through the buttons in reading order), ok, back (the previous step), erase (the last "
            "digit typed; elsewhere back), help (says what to do and what the keys do; pressed again "
            "within 5 s it calls staff), repeat, louder, softer, faster, slower, speed (faster, then "
            "back to the slowest). Keys are Qt's names without Key_ (Down, Return, F1, PageUp, "
            "VolumeUp); Num before a name is that key of the numeric keypad. The default serves a "
            "barrier-free kiosk keypad (arrows, OK = Return/Enter, back = Escape, help = F1, repeat = "
            "F2, softer/louder = F7/F8 or the volume keys, slower/faster = F5/F6, speed = F9) and a "
            "plain numeric USB keypad: 8/2 or 4/6 or -/+ move, 5 or Enter is OK, . erases or goes "
            "back, / is help, * repeats, 3/9 softer/louder, 1/7 slower/faster (with NumLock off the "
            "same keys send the arrows, PageUp/PageDown and Home/End, also mapped). Where a number or "
            "code is typed, the digit keys type.", keymap.check),
    Setting("site_name", str, "", "The centre's name on labels, cards and receipts (empty: the site's "
            "name).", _site_name, staff=True),
    Setting("staff_pin_hash", str, None, "Hash of the set-up code the staff door asks for before the "
            "first manager is made on the screen; 'nanum init' and 'nanum staff setup-code' write it and "
            "print the code. Without it a fresh kiosk's staff door only says how to get one.", _pin_hash),
    Setting("printer", str, None, "Receipt printer: none, lp (the default system printer), lp:QUEUE or "
            "pdf:FOLDER (empty: lp when CUPS is present).", _printer,
            sources=(DATABASE, "[printer] kind, name, pdf_dir"), staff=True, upgrade=_old_printer,
            from_file=lambda v: printer_from_file(v["printer"]["kind"], v["printer"]["name"],
                                                  v["printer"]["pdf_dir"])),
    Setting("camera_device", str, None, "The camera to scan from, as [camera] device (empty: the "
            "configuration file's; with no file, the demo's virtual camera).", _camera,
            sources=(DATABASE, "[camera] device"), staff=True, upgrade=_old_camera,
            from_file=_from("camera", "device")),
    Setting("camera_controls", str, "", "The camera's exposure, power-line frequency, focus and white "
            "balance, set at every open of a V4L2 camera, as exposure_ms=8;power_line=60;focus=auto;"
            "white_balance_k=auto (empty: 60 Hz, the rest automatic).", _camera_controls, staff=True),
    Setting("sync_url", str, None, "The city platform's address (not set: the configuration file's; "
            "with neither, offline only).", _sync_url, sources=(DATABASE, "[sync] url"), staff=True,
            from_file=_from("sync", "url")),
    Setting("sync_ca_bundle", str, None, "CA bundle to verify the platform's TLS certificate (not set: "
            "the configuration file's, else the system CAs).", sources=(DATABASE, "[sync] ca_bundle"),
            from_file=_from("sync", "ca_bundle")),
    Setting("fee_policy", str, "warn", "A member whose membership fee has lapsed: 'warn' (told at "
            "the kiosk, still lends) or 'block' (told what to do, lends only after staff record the "
            "payment).", _fee_policy, staff=True),
    Setting("condition_photo_days", int, 180, "Days a condition photo taken at a return is kept (faces "
            "blurred, cropped to the counter) before 'nanum retention' deletes it; set with 'nanum rules "
            "photo-days'.", low=1, high=3650, sources=(DATABASE,)),
    Setting("closed_weekdays", list, [6], "Weekdays the centre is closed, 0 (Monday) to 6 (Sunday).",
            _weekdays, sources=(DATABASE,)),
)

REGISTRY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def spec(key: str) -> Setting:
    """The declaration of ``key``; BadInput for a key that is not a setting."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise BadInput(UNKNOWN, name=key) from None


def default(key: str) -> Any:
    """The built-in default of ``key`` (a fresh copy of a list)."""
    value = spec(key).default
    return list(value) if isinstance(value, list) else value


def validate(key: str, value: Any) -> Any:
    """``value`` in the one form of setting ``key``; BadInput naming the key if it is refused."""
    s = spec(key)
    try:
        return s.clean(value)
    except BadInput as exc:
        raise BadInput(REFUSED, key=key, reason=exc.message) from None


def read(key: str, raw: Any) -> Any:
    """A stored value of ``key`` as the program uses it.

    Stored values were checked when written, but a database restored from an
    older version, or edited by hand, may hold an old form (upgraded here) or a
    number out of range (brought inside it). A value that still does not fit is
    logged and the default used: the kiosk keeps working.
    """
    s = spec(key)
    if raw == s.default:
        return default(key)
    value = s.upgrade(raw) if s.upgrade is not None else raw
    if s.low is not None and s.high is not None and isinstance(value, (int, float, str)) \
            and not isinstance(value, bool):
        try:
            value = min(s.high, max(s.low, s.type(value)))
        except (TypeError, ValueError):
            pass
    try:
        return s.clean(value)
    except BadInput as exc:
        log.warning("%s", Message(REFUSED, {"key": key, "reason": exc.message}).render("en"))
        return default(key)


def database_keys() -> tuple[str, ...]:
    return tuple(s.key for s in SETTINGS if s.in_database)


def staff_keys() -> tuple[str, ...]:
    """The settings staff change on the screen (``Desk.save_settings``)."""
    return tuple(s.key for s in SETTINGS if s.staff)


def file_options() -> tuple[Setting, ...]:
    """The configuration file's options, in the file's order."""
    return tuple(s for s in SETTINGS if s.file is not None)


def starting_values(values: dict[str, dict[str, Any]] | None, table: dict[str, Any]
                    ) -> tuple[dict[str, Any], list[Message]]:
    """Starting values of the database settings from a configuration file.

    ``values`` are the file's checked sections (None: there is no file), ``table``
    its ``[defaults]``. Returns the values by key and a message for each
    ``[defaults]`` entry left out: a bad value changes nothing, the setting
    keeps its built-in default.
    """
    found: dict[str, Any] = {}
    problems: list[Message] = []
    if values is not None:
        for setting in SETTINGS:
            if setting.from_file is not None:
                value = setting.from_file(values)
                if value not in (None, "") and value != setting.default:
                    found[setting.key] = setting.clean(value)
    for key, value in table.items():
        s = REGISTRY.get(str(key))
        if s is None or not s.in_database or DEFAULTS not in s.sources:
            where = [src for src in (s.sources if s is not None else ()) if src.startswith("[")]
            problems.append(Message(N_("[defaults] {key} is ignored: set it in {where}."),
                                    {"key": str(key), "where": where[0]}) if where else
                            Message(N_("[defaults] {key} is not a setting that starts there; it is ignored."),
                                    {"key": str(key)}))
            continue
        try:
            found[s.key] = s.clean(value)
        except BadInput as exc:
            problems.append(Message(N_("[defaults] {key} is ignored, the kiosk uses {default}: {reason}"),
                                    {"key": s.key, "default": _shown(s.default), "reason": exc.message}))
    return found, problems


def clean_defaults(given: dict[str, Any] | None) -> dict[str, Any]:
    """Starting values handed to a kiosk: settings read as stored ones, other keys as they are."""
    return {key: read(key, value) if key in REGISTRY else value for key, value in (given or {}).items()}


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


# -- the cache of stored settings --------------------------------------------------------------
class StoredSettings:
    """The settings rows of one database file, shared by every kiosk object opened on it.

    The GUI and the sync worker each open their own kiosk object on the same
    file. A setting written through either drops this one cache
    (:meth:`invalidate`), so the other reads it afresh: nobody reaches into
    another thread's objects to keep them current. Values derived from the rows
    (the calendar) are kept here too and dropped with them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, Any] | None = None
        self._derived: dict[str, Any] = {}
        self._generation = 0

    def rows(self, load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The stored rows, read with ``load`` when not cached."""
        rows = self._rows  # one read: another thread may drop the cache meanwhile
        if rows is not None:
            return rows
        generation = self._generation
        rows = load()
        with self._lock:
            # Dropped while we read: what we read may predate the write, keep it uncached.
            if generation == self._generation:
                self._rows = rows
        return rows

    def derived(self, name: str, build: Callable[[], Any]) -> Any:
        """A value computed from stored data (e.g. the calendar), cached with the rows."""
        value = self._derived.get(name)
        if value is None:
            generation = self._generation
            value = build()
            with self._lock:
                if generation == self._generation:
                    self._derived[name] = value
        return value

    def prime(self, rows: dict[str, Any]) -> None:
        """Rows known before they are committed (first-run set-up needs its kiosk id)."""
        with self._lock:
            self._generation += 1
            self._rows, self._derived = dict(rows), {}

    def invalidate(self) -> None:
        """Drop the cache: the next read comes from the database."""
        with self._lock:
            self._generation += 1
            self._rows, self._derived = None, {}


_STORES: weakref.WeakValueDictionary[str, StoredSettings] = weakref.WeakValueDictionary()
_STORES_LOCK = threading.Lock()


def stored_settings(database: str) -> StoredSettings:
    """The one cache of the settings stored in ``database`` (a resolved file path)."""
    with _STORES_LOCK:
        store = _STORES.get(database)
        if store is None:
            store = _STORES[database] = StoredSettings()
        return store


# -- documentation ---------------------------------------------------------------------------
def document() -> str:
    """``docs/settings.md``: every setting, where it comes from, its default."""
    lines = ["# Settings", "",
             "Generated from `kiosk/settings.py` (`python -m kiosk.settings > docs/settings.md`);",
             "a test checks that this file matches it.", "",
             "A setting is read, in this order, from the database (what staff chose on the",
             "screen or a `nanum` command stored), the configuration file (`[defaults]`, or the",
             "section named), then its built-in default. Every source goes through the same",
             "check. A bad value in a section of the configuration file stops the kiosk with a",
             "message naming the option; a bad value in `[defaults]` is logged and ignored, and",
             "the kiosk starts on the built-in default (staff can set it on the screen).", "",
             "## Settings in the database", "",
             "| Setting | Type | Default | Comes from | Staff screen | Description |",
             "|---|---|---|---|---|---|"]
    for s in SETTINGS:
        if s.in_database:
            rng = f" ({_number(s.low)} to {_number(s.high)})" if s.low is not None and s.high is not None else ""
            lines.append(f"| `{s.key}` | {s.type.__name__}{rng} | `{_shown(s.default)}` | "
                         f"{', '.join(s.sources)} | {'yes' if s.staff else ''} | {s.doc} |")
    lines += ["", "## Options of the configuration file", "",
              "`nanum config` prints the file with every option at its default.", "",
              "| Option | Type | Default | Environment | Description |", "|---|---|---|---|---|"]
    for s in file_options():
        assert s.file is not None
        lines.append(f"| `[{s.file[0]}] {s.file[1]}` | {s.type.__name__} | `{_shown(s.default)}` | "
                     f"{'`' + s.env + '`' if s.env else ''} | {s.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(document())
