"""Segment documents grouped by trace, and the one-line summary of a finished trace (pure)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from local.lambda_env.config import function_segment_id

BEDROCK_STREAM = "## bedrock_stream"  # the function's subsegment around one Bedrock stream
# Annotations of the Bedrock stream, in the order the summary shows them (others follow).
ANNOTATION_ORDER = ("model", "operation", "outcome", "ttft_ms")
# Entity flags: https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
FLAGS = ("error", "throttle", "fault")
KEPT_TRACES = 1000  # unfinished traces remembered at most (a timed-out run never finishes)

Document = dict[str, Any]


def entities(document: Document) -> Iterator[Document]:
    """The document and every subsegment nested in it, depth first."""
    yield document
    for child in document.get("subsegments") or ():
        if isinstance(child, dict):
            yield from entities(child)


def is_top_level(document: Document) -> bool:
    """A segment, or a subsegment of Lambda's function segment (the trace header's Parent)."""
    parent = document.get("parent_id")
    return parent is None or parent == function_segment_id(document["trace_id"])


@dataclass(frozen=True)
class TraceSummary:
    """What the demo prints for one trace."""

    trace_id: str
    duration_ms: int | None
    names: tuple[str, ...]
    annotations: tuple[tuple[str, Any], ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No entity of the trace was flagged error, throttle or fault."""
        return not self.problems

    def line(self) -> str:
        """`trace <id> <ms> ms ok|ERROR (...): <names> | <bedrock stream annotations>`."""
        took = "in progress" if self.duration_ms is None else f"{self.duration_ms} ms"
        status = "ok" if self.ok else f"ERROR ({'; '.join(self.problems)})"
        text = f"trace {self.trace_id} {took} {status}: {', '.join(self.names)}"
        if self.annotations:
            text += " | " + " ".join(f"{key}={value}" for key, value in self.annotations)
        return text


def _label(entity: Document) -> str:
    operation = (entity.get("aws") or {}).get("operation")
    return f"{entity['name']} {operation}" if operation else str(entity["name"])


def _problem(entity: Document) -> str | None:
    flags = [flag for flag in FLAGS if entity.get(flag)]
    if not flags:
        return None
    cause = entity.get("cause") or {}
    types = [str(e.get("type")) for e in cause.get("exceptions") or () if isinstance(e, dict)]
    return f"{_label(entity)}: {', '.join(types or flags)}"


def summarize(documents: list[Document]) -> TraceSummary:
    """The summary of one trace's documents; the first top-level one gives the duration."""
    ordered = sorted(
        (e for d in documents for e in entities(d)), key=lambda e: e.get("start_time", 0.0)
    )
    top = next((d for d in documents if is_top_level(d)), ordered[0])
    duration = None
    if isinstance(top.get("end_time"), int | float):
        duration = round((top["end_time"] - top["start_time"]) * 1000)
    stream = next((e for e in ordered if e["name"] == BEDROCK_STREAM), {})
    notes: dict[str, Any] = stream.get("annotations") or {}
    keys = [k for k in ANNOTATION_ORDER if k in notes] + sorted(set(notes) - set(ANNOTATION_ORDER))
    return TraceSummary(
        trace_id=top["trace_id"],
        duration_ms=duration,
        names=tuple(_label(e) for e in ordered),
        annotations=tuple((k, notes[k]) for k in keys),
        problems=tuple(p for p in map(_problem, ordered) if p is not None),
    )


class TraceBook:
    """Documents by trace until the trace's top-level entity arrives (sent last, when it ends)."""

    def __init__(self, kept: int = KEPT_TRACES) -> None:
        self._open: OrderedDict[str, list[Document]] = OrderedDict()
        self._kept = kept

    def add(self, document: Document) -> TraceSummary | None:
        """Record a document; the trace's summary once its top-level entity is in."""
        trace = document["trace_id"]
        documents = self._open.setdefault(trace, [])
        documents.append(document)
        self._open.move_to_end(trace)
        if is_top_level(document) and not document.get("in_progress"):
            del self._open[trace]
            return summarize(documents)
        while len(self._open) > self._kept:
            self._open.popitem(last=False)
        return None
