"""A running local Function URL: environment pool, URL logic and HTTP server, started together."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from local.function_url.front import FunctionUrl, UrlConfig
from local.function_url.server import FunctionUrlServer
from local.lambda_env.config import FunctionConfig
from local.lambda_env.pool import DEFAULT_MAX_CONCURRENCY, EnvironmentPool


class LocalFunctionUrl:
    """``function`` behind a Function URL on ``host:port``; ``close()`` leaves no process."""

    def __init__(
        self,
        function: FunctionConfig,
        url: UrlConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        bedrock_endpoint: str | None = None,
        caller_env: Mapping[str, str] | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.pool = EnvironmentPool(
            function,
            max_concurrency=max_concurrency,
            bedrock_endpoint=bedrock_endpoint,
            caller_env=caller_env,
            log=log,
        )
        self.server = FunctionUrlServer(FunctionUrl(self.pool, url, log), host, port, log)

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return self.server.base_url

    def start(self) -> LocalFunctionUrl:
        """Serve in the background; environments start on the first requests."""
        self.server.start()
        return self

    def close(self) -> None:
        """Stop serving and kill every execution environment."""
        try:
            self.server.stop()
        finally:
            self.pool.close()

    def __enter__(self) -> LocalFunctionUrl:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()
