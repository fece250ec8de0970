"""`llmspell-studio [PATH]`: the LLMSpell Studio desktop IDE.

PATH is a spell folder, a file, or any folder (opened in the explorer). The studio never
imports an engine: every run happens in an engine host subprocess, over DAP.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from PySide6.QtWidgets import QApplication

from ide.studio import Studio


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="llmspell-studio", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="a spell folder, a file, or a folder to open")
    return parser.parse_args(argv)


def create_studio(path: str | None = None) -> Studio:
    """The studio with its window, for `main` and for tests (a QApplication must exist)."""
    folder = None
    if path:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    studio = Studio(folder)
    studio.open_initial(path)
    return studio


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        print(
            "llmspell-studio: no display (DISPLAY is not set); run it under X or Wayland, "
            "or headless with `xvfb-run llmspell-studio`",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C in the terminal quits
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("LLMSpell Studio")
    app.setOrganizationName("llmspell")
    app.setDesktopFileName("llmspell-studio")
    studio = create_studio(args.path)
    studio.window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
