"""Private voice: what is personal is said only where nobody else hears it, or when asked.

With earphones in, speech goes to the resident's ears alone; on the loudspeaker anyone
standing near the kiosk hears it. So a sentence that carries something personal (the
member's name, membership number, PIN, contact) marks that part with :func:`personal`,
together with what to say instead in public. :func:`resolve` makes the sentence that is
spoken: the personal text with earphones in (or when the resident asked to hear it, the
voice bar's "Say my name and number"), the public text on the loudspeaker.

The marks are characters from Unicode's private-use area, so a marked sentence is still a
``str`` that every part of the voice guide can join, compare and pass on; only
:meth:`ui.voice.VoiceGuide.speak` resolves it, right before it reaches the speech engine.
"""

from __future__ import annotations

import re

OPEN, SPLIT, CLOSE = "\ue000", "\ue001", "\ue002"
_MARKED = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*?){SPLIT}([^{OPEN}{CLOSE}]*?){CLOSE}")


def personal(text: str, public: str = "") -> str:
    """``text`` marked as personal; ``public`` is said instead where others may hear it."""
    if not text:
        return public
    return f"{OPEN}{text}{SPLIT}{public}{CLOSE}"


def resolve(text: str, private: bool) -> str:
    """The sentence to say: each marked part as its personal text when ``private``, else as its
    public text."""
    return _MARKED.sub(lambda m: m.group(1) if private else m.group(2), text)


def is_marked(text: str) -> bool:
    """Whether ``text`` has a personal part."""
    return _MARKED.search(text) is not None
