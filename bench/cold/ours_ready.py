"""Cold start, ours: the handler module as `_HANDLER` names it, plus the Bedrock client built.

The runtime (lambda_src/bootstrap -> streaming_runtime) imports this module as it imports any
handler, then asks the Runtime API for work: that request is "ready". Importing the handler
may not build the Bedrock client (it was built on first use), so it is built here unless init
already did: ready means handler imported and client built.
"""

import bedrock_stream.handler as entry  # first, as the runtime imports it
from bedrock_stream import app

app.default_app().client_factory()  # builds the environment's client, or returns the built one

handler = entry.handler
