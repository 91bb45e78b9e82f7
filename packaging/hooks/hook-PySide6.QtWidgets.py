# QtWidgets without style plugins: the kiosk draws with its own style sheet.
import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries if "/plugins/" not in f"{dest}/".replace(os.sep, "/")]
