"""`python -m local.bedrock [--port N]`: serve the local Bedrock until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import os
import threading

from local.bedrock.server import BedrockEmulator


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, print its endpoint, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m local.bedrock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BEDROCK_PORT") or 0))
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    with BedrockEmulator(args.host, args.port, verbose=args.verbose) as emulator:
        print(f"Bedrock endpoint: {emulator.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
