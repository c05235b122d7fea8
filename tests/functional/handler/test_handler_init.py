"""Init does the work once: configuration checked and the Bedrock client built before a request.

The runtime's own loader looks the handler up as Lambda's init does; a counting client
factory shows when the client is built, a bad variable shows where the init fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import bedrock_stream.app as app_module
import bedrock_stream.bedrock_client as client_module
import bedrock_stream.handler as handler_module
from bedrock_stream.config import load
from bedrock_stream.env_reader import ConfigError
from streaming_runtime.loader import load_handler
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    FakeContext,
    FakeStream,
    converse_events,
    make_event,
)

SPEC = "bedrock_stream.handler.handler"


class CountingFactory:
    """Stands in for make_client: counts the clients built, hands out one fake."""

    def __init__(self, fake: FakeBedrock) -> None:
        self.fake = fake
        self.built = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> FakeBedrock:
        self.built += 1
        return self.fake


@pytest.fixture
def fresh_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingFactory]:
    """A new execution environment: no App, no client, no handler built yet."""
    factory = CountingFactory(FakeBedrock([converse_events(["hello"])]))
    monkeypatch.setattr(client_module, "make_client", factory)
    monkeypatch.setattr(client_module, "_client", None)
    monkeypatch.setattr(app_module, "_default", None)
    monkeypatch.delitem(vars(handler_module), "handler", raising=False)
    load.cache_clear()
    yield factory
    load.cache_clear()
    vars(handler_module).pop("handler", None)  # built with the fake: not for other tests


def test_the_client_is_built_when_the_runtime_loads_the_handler(
    fresh_environment: CountingFactory,
) -> None:
    # When the runtime loads the handler (Lambda's init)
    handler = load_handler(SPEC)
    # Then the client exists before any request
    assert fresh_environment.built == 1
    # And requests use that client; none builds another
    page = FakeStream()
    handler(make_event("GET", "/models"), FakeContext(), stream=page)
    chat = FakeStream()
    handler(make_event(body={"prompt": "hi"}), FakeContext(), stream=chat)
    assert (page.status, chat.status) == (200, 200)
    assert chat.text() == "hello"
    assert [op for op, _ in fresh_environment.fake.calls] == ["ConverseStream"]
    assert fresh_environment.built == 1
    # And loading it again (a second lookup) builds nothing new
    assert load_handler(SPEC) is handler
    assert fresh_environment.built == 1


def test_a_bad_variable_fails_the_handler_lookup_not_a_request(
    fresh_environment: CountingFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_TOKENS_LIMIT", "abc")
    with pytest.raises(ConfigError, match=r"^MAX_TOKENS_LIMIT must be a whole number"):
        load_handler(SPEC)
    assert fresh_environment.built == 0


def test_other_missing_names_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = handler_module.no_such_name
