"""Routes: (path, method) -> route function, with 404/405 for everything else."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from bedrock_stream.app import Exchange
from bedrock_stream.chat import stream_chat
from bedrock_stream.errors import AppError, ErrorShape, error_body
from bedrock_stream.families import family_of
from bedrock_stream.page import chat_page, page_headers
from bedrock_stream.request import decode_json, parse_chat, query_to_body
from bedrock_stream.schema import FORMATS

RouteFn = Callable[[Exchange], None]


@dataclass(frozen=True)
class Route:
    """A route function and whether API-key mode guards it."""

    fn: RouteFn
    needs_key: bool = True
    error_shape: ErrorShape = error_body


def with_query_format(doc: object, query: Mapping[str, str]) -> object:
    """A POST body with the query's `format`: body, then query, then Accept (docs/API.md §3).

    The body's own `format` wins over the query's; a query `format` that is not a format is
    refused even then, so that a typo in the URL never goes unnoticed.
    """
    if "format" not in query:
        return doc
    if query["format"] not in FORMATS:
        raise AppError("invalid_request", f"format must be one of {FORMATS}")
    if isinstance(doc, dict) and "format" not in doc:
        return {**doc, "format": query["format"]}
    return doc


def chat_post(ex: Exchange) -> None:
    """POST /chat (and POST /): stream the answer to a JSON chat request."""
    doc = with_query_format(decode_json(ex.http.body), ex.http.query)
    stream_chat(ex, parse_chat(doc, ex.app.config))


def chat_get(ex: Exchange) -> None:
    """GET /chat?prompt=...: the same for EventSource clients."""
    stream_chat(ex, parse_chat(query_to_body(ex.http.query), ex.app.config))


def model_details(model: str) -> dict[str, object]:
    """What `GET /models` says a model can do, from the family table (docs/API.md §12.1)."""
    family = family_of(model)
    return {
        "id": model,
        "family": family.name,
        "input": family.input_list(),
        "tools": family.tools,
        "reasoning": family.reasoning,
        "caching": family.caching,
    }


def models(ex: Exchange) -> None:
    """GET /models: the allow-list, the default, and what each model can do."""
    config = ex.app.config
    ex.send_json(
        200,
        {
            "models": list(config.allowed_models),
            "default": config.default_model,
            "details": [model_details(m) for m in config.allowed_models],
        },
    )


def page(ex: Exchange) -> None:
    """GET /: the chat page (it asks for the key itself in API-key mode)."""
    ex.send(200, chat_page(), "text/html; charset=utf-8", page_headers())


# The OpenAI surface (docs/API.md §6) is imported on its first use: a streaming request never
# needs it, so a cold start does not pay for it. These three names are all routes.py knows of
# that module.
def chat_completions(ex: Exchange) -> None:
    """POST /v1/chat/completions, from the OpenAI surface."""
    from bedrock_stream import openai_compat  # noqa: PLC0415 - see above

    openai_compat.chat_completions(ex)


def list_models(ex: Exchange) -> None:
    """GET /v1/models, from the OpenAI surface."""
    from bedrock_stream import openai_compat  # noqa: PLC0415 - see above

    openai_compat.list_models(ex)


def openai_error(err: AppError) -> object:
    """An error in the OpenAI surface's shape."""
    from bedrock_stream import openai_compat  # noqa: PLC0415 - see above

    return openai_compat.openai_error(err)


ROUTES: Final[dict[str, dict[str, Route]]] = {
    "/": {"GET": Route(page, needs_key=False), "POST": Route(chat_post)},
    "/chat": {"GET": Route(chat_get), "POST": Route(chat_post)},
    "/models": {"GET": Route(models)},
    "/v1/chat/completions": {"POST": Route(chat_completions, error_shape=openai_error)},
    "/v1/models": {"GET": Route(list_models, error_shape=openai_error)},
}


def route_path(path: str) -> str:
    """The route a path names: a trailing slash is the same route (`/chat/` is `/chat`)."""
    return path.rstrip("/") or "/"


def error_shape_for(path: object) -> ErrorShape:
    """The error shape of a path's routes, known before the request is parsed or resolved.

    Every error of the OpenAI surface is in OpenAI's shape (docs/API.md §6): also a body over
    MAX_BODY_BYTES or a wrong method on its paths. Other paths use the §4 shape.
    """
    by_method = ROUTES.get(route_path(path)) if isinstance(path, str) else None
    return next(iter(by_method.values())).error_shape if by_method else error_body


def resolve(method: str, path: str) -> Route:
    """The route for a request, or not_found / method_not_allowed."""
    by_method = ROUTES.get(route_path(path))
    if by_method is None:
        raise AppError("not_found", f"no route for {path}")
    route = by_method.get(method)
    if route is None:
        allowed = ", ".join(sorted(by_method))
        raise AppError(
            "method_not_allowed",
            f"{method} is not allowed on {path}; use {allowed}",
            headers={"Allow": allowed},
        )
    return route
