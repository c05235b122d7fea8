"""The real function through the twin: a bad variable is an init error callers can read.

`make demo` passes docs/API.md §8 variables from its own environment to the function; a bad one
fails the function's init, which Lambda answers (and the twin, like it) with a 502 whose body
is the init error the runtime posted: its message names the variable and what it must be.
"""

from __future__ import annotations

from tests.e2e.chat.twin import running_twin
from tests.e2e.conftest import fetch, json_body
from tests.e2e.handler_twin.wire import parse_sse


def test_a_bad_variable_is_a_502_naming_it_and_no_environment_survives() -> None:
    with running_twin("none", environ={"MAX_TOKENS_LIMIT": "abc"}) as twin:
        got = fetch(twin.url, "/chat?prompt=hi")
        assert got.status == 502
        error = json_body(got)
        assert error["errorType"] == "ConfigError"
        assert error["errorMessage"] == (
            "MAX_TOKENS_LIMIT must be a whole number from 1 to 1000000, not 'abc'"
        )
        assert got.header("x-amzn-ErrorType") == "ConfigError"
        pool = twin.function_url.pool
        assert pool.active == 0
        init_error = pool.started[0].api.init_error
        assert init_error is not None
        (exception,) = init_error.xray_cause["exceptions"]
        assert exception["type"] == "ConfigError"
        # Every request fails the same way (a new environment each time), never a 500.
        again = fetch(twin.url, "/models")
        assert (again.status, json_body(again)["errorType"]) == (502, "ConfigError")


def test_trailing_slash_routes_through_the_twin() -> None:
    with running_twin("none") as twin:
        models = fetch(twin.url, "/models/")
        assert models.status == 200
        assert json_body(models)["models"]
        chat = fetch(
            twin.url, "/chat/?prompt=%23!%20echo%20rate%3D20000%20ttft_ms%3D0%0Ahi%20there"
        )
        assert chat.status == 200
        sse = parse_sse(chat)
        assert (sse.names[0], sse.names[-1]) == ("start", "done")
        assert sse.text() == "hi there"
