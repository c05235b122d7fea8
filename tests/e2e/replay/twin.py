"""The real function behind the local Function URL, its Bedrock endpoint a replay server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from local.function_url import UrlConfig
from local.function_url.twin import LocalFunctionUrl
from local.lambda_env import FunctionConfig
from local.lambda_env.overrides import apply
from tests.e2e.chat.twin import REGION, ROOT, STACK_ENV, caller_env
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
    function = FunctionConfig(
        task_root=ROOT / "lambda_src",
        handler="bedrock_stream.handler.handler",
        environment=STACK_ENV,
        timeout_s=30,
        memory_mb=512,
        name="bedrock-stream-replay-test",
        region=REGION,
    )
    settings = apply(function, {"AUTH": "none", **caller_env(), **(environ or {})})
    logs: list[str] = []
    with ReplayBedrock(recordings) as replay:
        twin = LocalFunctionUrl(
            settings.function,
            UrlConfig(auth_type=settings.url_auth_type),
            bedrock_endpoint=replay.url,
            caller_env=caller_env(),
            log=logs.append,
        )
        try:
            twin.start()
            yield ReplayTwin(twin.base_url, replay, logs)
        finally:
            twin.close()
            for env in twin.pool.started:
                assert not env.alive, f"{env.env_id} outlived the twin"
