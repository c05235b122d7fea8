"""The real function behind the local Function URL, its Bedrock endpoint a replay server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from local.function_url import UrlConfig
from tests.e2e.chat.twin import serving, stack_settings
from tests.e2e.replay.frames import Replay
from tests.e2e.replay.server import ReplayBedrock


@dataclass
class ReplayTwin:
    """A running local Function URL whose function calls the replay server."""

    url: str
    replay: ReplayBedrock
    logs: list[str]


@contextmanager
def replay_twin(
    recordings: Mapping[str, Replay], environ: Mapping[str, str] | None = None
) -> Iterator[ReplayTwin]:
    """Start both (`make demo` with BEDROCK_ENDPOINT=<replay url>, docs/API.md §12.5)."""
    settings = stack_settings("bedrock-stream-replay-test", environ=environ)
    url = UrlConfig(auth_type=settings.url_auth_type)
    logs: list[str] = []
    with (
        ReplayBedrock(recordings) as replay,
        serving(settings.function, url, bedrock_endpoint=replay.url, logs=logs) as twin,
    ):
        yield ReplayTwin(twin.base_url, replay, logs)
