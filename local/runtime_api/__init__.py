"""A recording Lambda Runtime API server for the local twin and the tests."""

from local.runtime_api.invocation import Invocation, Outcome
from local.runtime_api.server import RuntimeApiServer
from local.runtime_api.wire import RecordedRequest

__all__ = ["Invocation", "Outcome", "RecordedRequest", "RuntimeApiServer"]
