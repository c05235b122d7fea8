"""Find the handler named by ``_HANDLER`` and tell streaming handlers from buffered ones."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, cast

from streaming_runtime.errors import InitError

STREAMING_MARKER = "__lambda_streaming__"


def load_handler(spec: str) -> Callable[..., Any]:
    """Import ``module.function`` (``dir/module.function`` too) with Lambda's error names."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return cast(Callable[..., Any], handler)


def streaming(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a handler as streaming explicitly (it then gets the ``stream`` keyword)."""
    setattr(handler, STREAMING_MARKER, True)
    return handler


def is_streaming(handler: Callable[..., Any]) -> bool:
    """A handler streams when marked, or when its signature takes a ``stream`` parameter.

    ``inspect.signature`` follows ``functools.wraps``, so decorated handlers are seen as written.
    """
    marker = getattr(handler, STREAMING_MARKER, None)
    if marker is not None:
        return bool(marker)
    try:
        parameter = inspect.signature(handler).parameters.get("stream")
    except (TypeError, ValueError):
        return False
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
