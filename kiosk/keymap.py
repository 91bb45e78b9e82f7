"""The keypad's key map (the ``keypad_keys`` setting), read and checked without Qt.

A blind or low-vision resident works the resident screens from a physical
keypad: the barrier-free kiosk keypad (arrows, OK, back, help, volume, speed,
repeat) or a plain numeric USB keypad. Both appear to the computer as keyboard
keys; this map says which key does what. It is text, one action after another::

    next=Down Right Tab Num2 Num6 NumPlus; previous=Up Left Backtab Num8 Num4 NumMinus; ...

A key is named as Qt names it without ``Key_`` (``Down``, ``Return``, ``F1``,
``PageUp``, ``VolumeUp``, ``Asterisk``...); ``Num`` before a name means that key
on the numeric keypad only (``Num8`` is the keypad's 8 with NumLock on; with
NumLock off the same key sends ``Up``, which is mapped too). ``Enter`` is the
keypad's Enter, ``Return`` the main one. On a screen where a number or code is
typed (member number and PIN, an item code, a count), digit keys type digits
whatever they are mapped to; ``erase`` deletes the last one typed, and
elsewhere goes back like ``back``. An empty map turns keypad operation off.
"""

from __future__ import annotations

from kiosk.errors import BadInput
from kiosk.i18n import N_

#: what a key can do, in the order the map is written
ACTIONS = ("next", "previous", "ok", "back", "erase", "help", "repeat",
           "louder", "softer", "faster", "slower", "speed")
#: actions a map must give a key to (else the screens cannot be worked from keys)
REQUIRED = ("next", "previous", "ok", "back")

#: names of keys other than letters, digits and function keys (Qt's, without ``Key_``)
NAMED_KEYS = frozenset({
    "Up", "Down", "Left", "Right", "Return", "Enter", "Escape", "Backspace", "Delete", "Insert",
    "Tab", "Backtab", "Space", "Home", "End", "PageUp", "PageDown", "Clear", "Help", "Menu",
    "Select", "Cancel", "Back", "Forward", "Play", "VolumeUp", "VolumeDown", "VolumeMute",
    "MediaPlay", "MediaNext", "MediaPrevious", "Plus", "Minus", "Asterisk", "Slash", "Period",
    "Comma", "Equal",
})
#: what may follow ``Num`` (keys a numeric keypad has)
NUMPAD_KEYS = frozenset({*"0123456789", "Plus", "Minus", "Asterisk", "Slash", "Period", "Comma",
                         "Equal", "Enter", "Up", "Down", "Left", "Right", "Home", "End", "PageUp",
                         "PageDown", "Insert", "Delete", "Clear"})

DEFAULT_KEYS = ("next=Down Right Tab Num2 Num6 NumPlus; "
                "previous=Up Left Backtab Num8 Num4 NumMinus; "
                "ok=Return Enter Space Select Num5 Clear; "
                "back=Escape Back Cancel; "
                "erase=Backspace Delete NumPeriod; "
                "help=F1 Help NumSlash; "
                "repeat=F2 NumAsterisk; "
                "louder=VolumeUp F8 PageUp Num9; "
                "softer=VolumeDown F7 PageDown Num3; "
                "faster=F6 Home Num7; "
                "slower=F5 End Num1; "
                "speed=F9")

KeyMap = dict[str, tuple[str, ...]]


def known_key(name: str) -> bool:
    """Whether ``name`` is a key name the map may use."""
    if name.startswith("Num") and len(name) > 3:
        return name[3:] in NUMPAD_KEYS
    if len(name) == 1:
        return name.isascii() and name.isalnum() and (name.isdigit() or name.isupper())
    if name[:1] == "F" and name[1:].isdigit():
        return 1 <= int(name[1:]) <= 24
    return name in NAMED_KEYS


def parse(text: str) -> KeyMap:
    """The map in ``text`` (empty: keypad operation off); BadInput saying what is wrong."""
    found: KeyMap = {}
    owner: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        action, sep, keys = part.partition("=")
        action = action.strip()
        if not sep or action not in ACTIONS:
            raise BadInput(N_("Unknown keypad action: {action}. Use {actions}."), action=action[:30],
                           actions=", ".join(ACTIONS))
        if action in found:
            raise BadInput(N_("The keypad action {action} is given twice."), action=action)
        names = tuple(keys.split())
        for name in names:
            if not known_key(name):
                raise BadInput(N_("Unknown key name: {key}."), key=name[:30])
            if name in owner:
                raise BadInput(N_("The key {key} is given to two keypad actions."), key=name)
            owner[name] = action
        found[action] = names
    if found and any(not found.get(a) for a in REQUIRED):
        raise BadInput(N_("The keypad needs keys for {actions}."), actions=", ".join(REQUIRED))
    return found


def format_map(keys: KeyMap) -> str:
    """The map as text, in the one form (actions in their order, single spaces)."""
    return "; ".join(f"{a}={' '.join(keys[a])}" for a in ACTIONS if a in keys)


def check(text: str) -> str:
    """The ``keypad_keys`` setting's check: the map in its one form."""
    return format_map(parse(text))
