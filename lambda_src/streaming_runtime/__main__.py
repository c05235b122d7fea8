"""Entry point: ``python -m streaming_runtime``, started by the ``bootstrap`` exec wrapper."""

from streaming_runtime.main import main

raise SystemExit(main())
