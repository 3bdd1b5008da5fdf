"""Start the dashboard: ``python -m nkmap.serve [streamlit options]`` (what ``make run`` does).

Streamlit runs app.py only when a browser connects, so the first visitor would wait for the
libraries to import and the atlas to load. This starts both in the background as the server
starts; the first run of app.py then finds them ready.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def _warm() -> None:
    from nkmap.catalog import default_geodata
    from nkmap.display import prepared

    prepared(default_geodata())
    import nkmap.dashboard  # noqa: F401


def main() -> None:
    threading.Thread(target=_warm, name="nkmap-warm", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
