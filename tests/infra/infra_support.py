"""Helpers for the infra tests: the synthesized-app record and CloudFormation value rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from infra.stack import BedrockStreamStack

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "${Region}", "AWS::AccountId": "${Account}"}


def render(value: Any) -> Any:
    """Turn Fn::Join/Ref of pseudo parameters into text; leave other intrinsics as they are."""
    if isinstance(value, list):
        return [render(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        rendered = [render(p) for p in parts]
        if all(isinstance(p, str) for p in rendered):
            return separator.join(rendered)
        return {"Fn::Join": [separator, rendered]}
    if set(value) == {"Ref"} and value["Ref"] in PSEUDO:
        return PSEUDO[value["Ref"]]
    return {k: render(v) for k, v in value.items()}


def resource_set(statement: dict[str, Any]) -> set[str]:
    """A policy statement's resources, rendered, as a set of strings (intrinsics as JSON)."""
    value = render(statement["Resource"])
    items = value if isinstance(value, list) else [value]
    return {item if isinstance(item, str) else repr(item) for item in items}


@dataclass(frozen=True)
class Synth:
    """One synthesized app: its template (as `cdk synth` wrote it) and its cloud assembly."""

    template: Template
    raw: dict[str, Any]
    outdir: Path
    stack: BedrockStreamStack

    @property
    def asset_dir(self) -> Path:
        """The function's staged asset directory, found through the stack's assets manifest."""
        manifest = json.loads((self.outdir / f"{self.stack.artifact_id}.assets.json").read_text())
        zips = [f for f in manifest["files"].values() if f["source"].get("packaging") == "zip"]
        assert len(zips) == 1, zips
        return self.outdir / zips[0]["source"]["path"]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of one CloudFormation type by logical id."""
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == kind}

    def only(self, kind: str) -> dict[str, Any]:
        """The properties of the single resource of a type."""
        found = self.resources(kind)
        assert len(found) == 1, f"expected one {kind}, got {list(found)}"
        return next(iter(found.values())).get("Properties", {})


SynthFn = Callable[..., Synth]
