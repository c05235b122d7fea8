"""Handler loading errors and the streaming/buffered decision."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from streaming_runtime import streaming
from streaming_runtime.errors import InitError
from streaming_runtime.loader import is_streaming, load_handler


def test_loads_module_function_and_directory_form() -> None:
    assert load_handler("json.dumps") is __import__("json").dumps
    assert load_handler("os/path.join") is __import__("os").path.join


@pytest.mark.parametrize(
    ("spec", "error_type"),
    [
        ("nodot", "Runtime.MalformedHandlerName"),
        ("", "Runtime.MalformedHandlerName"),
        ("no_such_module_xyz.handler", "Runtime.ImportModuleError"),
        ("json.no_such_function", "Runtime.HandlerNotFound"),
        ("json.__doc__", "Runtime.HandlerNotFound"),
    ],
)
def test_load_errors_have_lambda_error_types(spec: str, error_type: str) -> None:
    with pytest.raises(InitError) as caught:
        load_handler(spec)
    assert caught.value.error_type == error_type


def _wraps(handler: Any) -> Any:
    @functools.wraps(handler)
    def wrapper(event: Any, context: Any, **kwargs: Any) -> Any:
        return handler(event, context, **kwargs)

    return wrapper


def keyword_stream(event: Any, context: Any, *, stream: Any) -> None: ...
def positional_stream(event: Any, context: Any, stream: Any) -> None: ...
def plain(event: Any, context: Any) -> None: ...
def only_kwargs(event: Any, context: Any, **kwargs: Any) -> None: ...


@streaming
def marked(event: Any, context: Any, **kwargs: Any) -> None: ...


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (keyword_stream, True),
        (positional_stream, True),
        (_wraps(keyword_stream), True),
        (plain, False),
        (_wraps(plain), False),
        (only_kwargs, False),
        (marked, True),
    ],
)
def test_streaming_is_decided_by_marker_or_stream_parameter(handler: Any, expected: bool) -> None:
    assert is_streaming(handler) is expected
