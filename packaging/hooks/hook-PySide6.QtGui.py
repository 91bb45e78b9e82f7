# QtGui with only the plugins in packaging/qt_plugins.py: filtering here, before
# PyInstaller follows each plugin's libraries, keeps GTK, Pango and friends out.
import os
import sys

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from qt_plugins import keep_plugin  # noqa: E402

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries if keep_plugin(f"{dest}/{os.path.basename(src)}")]
