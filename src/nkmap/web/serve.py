"""Start the dashboard: ``python -m nkmap.web.serve [streamlit options]`` (what ``make run`` does).

Streamlit runs app.py only when a browser connects, so the first visitor would wait for the
libraries to import and the atlas to load. This starts both in the background as the server
starts; the first run of app.py then finds them ready.
"""

from __future__ import annotations

import gc
import socket
import sys
import threading
import time
from pathlib import Path

from nkmap.settings import MAX_FILE_BYTES

# The dashboard script, shipped inside the package: it runs from any folder.
APP = Path(__file__).resolve().parent / "app.py"


def _warm() -> None:
    # Python threads share one interpreter lock: wait until the server is up, so that the
    # warming uses the time the browser spends loading the page, not the server's start.
    from streamlit import config, runtime

    while not runtime.exists():
        time.sleep(0.05)
    address = (config.get_option("server.address") or "127.0.0.1", config.get_option("server.port"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    from nkmap.settings import default_geodata
    from nkmap.webmap.payload import prepared

    prepared(default_geodata())
    import nkmap.web.view  # noqa: F401

    # Streamlit collects garbage in full after every run of the script (runner.postScriptGC),
    # holding the interpreter, so the server answers nothing meanwhile: with the libraries and
    # the atlas loaded that walk took 0.06 s alone and about 0.19 s in the server on a 2-core
    # machine, just when a page that has opened asks for the map's files. What is alive now
    # stays for the server's life: it is moved out of the collector's reach, and each
    # collection walks only what came after.
    gc.freeze()


# The settings visitors depend on. Streamlit reads .streamlit/config.toml only from the folder
# it is started in, so they are given on its command line too and hold from any folder: an
# unforeseen error shows its kind, never a traceback with the server's paths; uploads stop at
# the layer size limit; no usage statistics are sent. The server does not watch the source
# files for edits: after every run the watcher resolves the path of every imported module
# (some 1,400 with pandas and matplotlib) on the server's event loop, which holds back the
# run's messages, by about 0.1 s on a 2-core machine.
SERVER_OPTIONS = {
    "client.showErrorDetails": "type",
    "server.maxUploadSize": str(MAX_FILE_BYTES // 2**20),
    "browser.gatherUsageStats": "false",
    "runner.magicEnabled": "false",
    "server.headless": "true",  # a server: no browser is opened on its machine
    "server.fileWatcherType": "none",
}


def streamlit_argv(options: list[str]) -> list[str]:
    """The command line Streamlit is started with: :data:`SERVER_OPTIONS`, then ``options``
    (which may override them)."""
    ours = [f"--{key}={value}" for key, value in SERVER_OPTIONS.items()]
    return ["streamlit", "run", str(APP), *ours, *options]


def main() -> None:
    threading.Thread(target=_warm, name="nkmap-warm", daemon=True).start()
    from streamlit.web import cli

    sys.argv = streamlit_argv(sys.argv[1:])
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
