"""Helpers for the infra tests: the synthesized-app record and CloudFormation value rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra.stack import BedrockStreamStack

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "${Region}", "AWS::AccountId": "${Account}"}


HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
APP_PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/9k2xqv7w1m4p"
# Every kind of allow-list entry: foundation model, geographic, global and application profiles.
ALL_KINDS = f"{HAIKU},eu.{HAIKU_45},in.{HAIKU_45},global.{HAIKU_45},{APP_PROFILE}"
# Every docs/API.md §10 key set (and §12.6's), for a stack with a concrete account and Region.
TUNED = {
    "models": f"{HAIKU},{PROFILE},{APP_PROFILE}",
    "default_model": PROFILE,
    "cors_origins": "https://chat.example.com,https://admin.example.com",
    "timeout_s": "120",
    "memory_mb": "1024",
    "reserved_concurrency": "7",
    "log_retention_days": "14",
    "architecture": "x86_64",
    "max_tokens_limit": "8192",
}
MARKETPLACE_PRODUCTS = {
    "marketplace_subscribe": "true",
    "marketplace_product_ids": "prod-abc1,prod-xyz2",
}
# The (context, Region) of every stack the infra tests synthesize: cdk-nag and cfn-lint check
# each one, so a variant added to a test belongs here too.
VARIANTS: dict[str, tuple[dict[str, str], str | None]] = {
    "default": ({}, None),
    "api_key": ({"auth": "api_key"}, None),
    "api_key_cors": ({"auth": "api_key", "cors_origins": "https://a.example"}, None),
    "reserved_concurrency": ({"reserved_concurrency": "3"}, None),
    "x86_64": ({"architecture": "x86_64"}, None),
    "all_model_kinds": ({"models": ALL_KINDS}, None),
    "all_kinds_marketplace": ({"models": ALL_KINDS, "marketplace_subscribe": "true"}, None),
    "marketplace": ({"marketplace_subscribe": "true"}, None),
    "marketplace_products": (MARKETPLACE_PRODUCTS, None),
    "tuned_in_us_east_1": (TUNED, "us-east-1"),
    "snapstart": ({"snapstart": "true"}, None),
    "snapstart_api_key_cors": (
        {"snapstart": "true", "auth": "api_key", "cors_origins": "https://a.example"},
        None,
    ),
}


def cdk_json_context() -> dict[str, Any]:
    """The context `npx cdk synth` hands the app from cdk.json (the feature flags)."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


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


def findings(stack: Stack) -> set[str]:
    """Rule ids AwsSolutions reports for a stack, honouring acknowledgements."""
    report = AwsSolutionsChecks().validate_scope(stack)
    return {v.rule_name for v in report.violations}
