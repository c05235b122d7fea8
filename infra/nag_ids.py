"""cdk-nag finding ids for policy resources, so an acknowledgement names the exact resource.

cdk-nag's IAM5 rule reports `Resource::<resource>`, with CloudFormation references flattened
to text (`{"Ref": "AWS::Partition"}` becomes `<AWS::Partition>`); this is the same flattening
(cdk-nag 3.0.2, src/utils/flatten-cfn-reference.ts), applied to the resolved value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_cdk import Stack


def _join(args: Any) -> str:
    delimiter, items = args
    return str(delimiter).join(flatten(item) for item in items)


def _get_att(args: Any) -> str:
    resource, attribute = args
    return f"<{flatten(resource)}.{flatten(attribute)}>"


def flatten(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in a finding id."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        for name, render in _INTRINSICS.items():
            if name in node:
                return render(node[name])
    return json.dumps(node, separators=(",", ":"))


# Intrinsic function -> how cdk-nag writes it; anything else is written as JSON.
_INTRINSICS: dict[str, Callable[[Any], str]] = {
    "Fn::Join": _join,
    "Fn::Sub": flatten,
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": flatten,
    "Ref": lambda args: f"<{flatten(args)}>",
}


def wildcard_resource_id(stack: Stack, resource: str) -> str:
    """The AwsSolutions-IAM5 finding id of one (possibly tokenized) policy resource."""
    return f"AwsSolutions-IAM5[Resource::{flatten(stack.resolve(resource))}]"
