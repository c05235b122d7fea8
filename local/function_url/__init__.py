"""A local Lambda Function URL: payload-2.0 events in, streamed responses out."""

from local.function_url.cors import CorsConfig
from local.function_url.front import FunctionUrl, UrlConfig
from local.function_url.server import FunctionUrlServer
from local.function_url.sigv4 import LocalCredentials

__all__ = ["CorsConfig", "FunctionUrl", "FunctionUrlServer", "LocalCredentials", "UrlConfig"]
