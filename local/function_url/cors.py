"""CORS as a Function URL applies it from its ``Cors`` configuration (docs/PROTOCOLS.md §4.4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CorsConfig:
    """The URL's ``Cors`` object: AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders..."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None

    def allows(self, origin: str | None) -> bool:
        """True when responses to ``origin`` get CORS headers."""
        if not origin:
            return False
        return "*" in self.allow_origins or origin.lower() in (
            allowed.lower() for allowed in self.allow_origins
        )

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Headers added to every response through the URL for a matching origin."""
        if not self.allows(origin):
            return []
        assert origin is not None
        wildcard = "*" in self.allow_origins and not self.allow_credentials
        headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
        if not wildcard:
            headers.append(("Vary", "Origin"))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ", ".join(self.expose_headers)))
        return headers

    def preflight_headers(
        self, origin: str | None, requested_headers: str | None
    ) -> list[tuple[str, str]]:
        """Headers of the URL's own answer to a preflight ``OPTIONS``."""
        headers = self.response_headers(origin)
        if not headers:
            return []
        methods = self.allow_methods or ("*",)
        headers.append(("Access-Control-Allow-Methods", ", ".join(methods)))
        if "*" in self.allow_headers and requested_headers:
            # Echo what was asked for: a literal "*" is not honoured with credentials.
            headers.append(("Access-Control-Allow-Headers", requested_headers))
        elif self.allow_headers:
            headers.append(("Access-Control-Allow-Headers", ", ".join(self.allow_headers)))
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        return headers


def is_preflight(method: str, origin: str | None, request_method: str | None) -> bool:
    """A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method."""
    return method == "OPTIONS" and bool(origin) and bool(request_method)


def strip_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the function's own CORS headers: the URL's CORS wins (docs/PROTOCOLS.md §4.4)."""
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
