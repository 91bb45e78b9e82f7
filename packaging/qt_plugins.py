"""The Qt plugins the kiosk bundle carries, by plugin folder (read by nanum.spec and its hook).

Every other plugin folder is left out: GTK themes, the Qt virtual keyboard,
EGLFS/VNC screens and the compositor-side Wayland plugins would pull in
libraries the kiosk never uses. ui/selftest.py proves the essential ones load.
"""

import sys

_COMMON = {
    "platforms": ("qoffscreen", "qminimal"),
    "imageformats": ("qjpeg", "qgif", "qwebp", "qico"),
}
_LINUX = {
    "platforms": ("qxcb", "qwayland"),
    "wayland-shell-integration": ("xdg-shell",),
    "wayland-decoration-client": ("bradient",),
    "wayland-graphics-integration-client": ("qt-plugin-wayland-egl",),
    "xcbglintegrations": ("qxcb-egl-integration", "qxcb-glx-integration"),
    "platforminputcontexts": ("composeplatforminputcontextplugin",),
}
_WINDOWS = {"platforms": ("qwindows",)}


def _merge(*tables: dict) -> dict:
    out: dict = {}
    for table in tables:
        for kind, names in table.items():
            out[kind] = tuple(out.get(kind, ())) + tuple(names)
    return out


QT_PLUGINS = _merge(_COMMON, _WINDOWS if sys.platform == "win32" else _LINUX)


def keep_plugin(dest: str) -> bool:
    """Whether a file going to ``dest`` (a bundle path) is a plugin the kiosk keeps.

    Files outside a Qt plugin folder are always kept.
    """
    p = dest.replace("\\", "/")
    if "/plugins/" not in p or "Qt" not in p:
        return True
    kind, _, name = p.split("/plugins/", 1)[1].partition("/")
    name = name.rsplit("/", 1)[-1]
    return any(name.startswith(f"lib{n}.") or name.startswith(f"{n}.") for n in QT_PLUGINS.get(kind, ()))
