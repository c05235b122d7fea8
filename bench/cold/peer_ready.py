"""Cold start, the peer: app imported (its client built at import), uvicorn configured.

This is what `uvicorn.run(app, ...)` does before it binds (Config, then Server); prints
`ready` on stdout then.
"""

import sys

import uvicorn
from main import app  # type: ignore[import-not-found]  # bench/peer, on PYTHONPATH

server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8080))
sys.stdout.write("ready\n")
sys.stdout.flush()
