"""A picture of a dashboard body's layout as SVG: where each widget sits and what it plots."""

from __future__ import annotations

import re
from html import escape
from typing import Any

UNIT_X, UNIT_Y = 40, 34  # pixels per dashboard grid unit
HEADER = 46
CAPTION = (
    "Layout of the synthesized dashboard, rendered from the CloudFormation template "
    "(not a screenshot of CloudWatch)"
)
_DYNAMIC = re.compile(r"\$\{PROP\('Dim\.(\w+)'\)\}")
_LAST = re.compile(r"\$\{(\w+)(\.Arn)?\}$")


def _series(widget: dict[str, Any]) -> list[str]:
    """One short line per plotted series, annotation and alarm of a widget."""
    props = widget["properties"]
    lines = []
    for row in props.get("metrics", []):
        options = row[-1] if isinstance(row[-1], dict) else {}
        label = options.get("label") or (row[1] if isinstance(row[1], str) else "series")
        if "expression" in options:
            metric = re.search(r'MetricName=\\?"(\w+)\\?"', options["expression"])
            label = f"{metric[1] if metric else 'search'}: {label}"
        else:
            label = f"{row[1]}: {label}"
        lines.append(_DYNAMIC.sub(r"<\1>", label).strip())
    for note in props.get("annotations", {}).get("horizontal", []):
        lines.append(f"line at {note['value']:g}: {note['label']}")
    for alarm in props.get("alarms", []):
        found = _LAST.search(alarm)
        lines.append(f"alarm {found[1] if found else alarm}")
    if widget["type"] == "text":
        lines.append(props["markdown"].splitlines()[0].lstrip("# "))
    return lines


def render(body: dict[str, Any]) -> str:
    """An SVG of the body's widgets on the 24-unit grid, titles and series in each."""
    widgets = body["widgets"]
    width = 24 * UNIT_X
    height = HEADER + max(w["y"] + w["height"] for w in widgets) * UNIT_Y + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#f4f5f7"/>',
        f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(CAPTION)}</text>',
        f'<text x="8" y="38" font-size="11" fill="#555">start {escape(body.get("start", ""))}'
        ", 24 grid units wide</text>",
    ]
    for widget in widgets:
        x, y = widget["x"] * UNIT_X + 4, HEADER + widget["y"] * UNIT_Y + 4
        w, h = widget["width"] * UNIT_X - 8, widget["height"] * UNIT_Y - 8
        title = widget["properties"].get("title") or widget["type"]
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="#fff" stroke="#aab"/>'
        )
        out.append(
            f'<text x="{x + 8}" y="{y + 18}" font-size="13" font-weight="bold">'
            f"{escape(title)}</text>"
        )
        for n, line in enumerate(_series(widget)):
            if 38 + n * 15 > h:
                break
            out.append(
                f'<text x="{x + 8}" y="{y + 38 + n * 15}" font-size="11" fill="#333">'
                f"{escape(line[: max(12, w // 5)])}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"
