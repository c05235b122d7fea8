"""cfn-lint on every stack variant the infra tests build: no errors, and only known warnings."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from tests.infra.infra_support import VARIANTS, SynthFn

# Regions the template is checked against (resource types, runtimes and architectures exist
# in each); one in the US, one in Europe, one where the India profile starts.
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
# Warnings kept on purpose: rule id -> why. Anything else fails the test.
KNOWN_WARNINGS = {
    # lambda.Function makes the function depend on its role and the role's policy, so the
    # policy exists before the first invocation; the role's DependsOn is redundant next to
    # the Role GetAtt but harmless, and removing it would mean overriding CDK's own wiring.
    "W3005": "CDK's Function declares DependsOn its role as well as a GetAtt of it",
}


def findings(template: dict[str, object]) -> list[tuple[str, str, str]]:
    """(rule id, severity, message) of every cfn-lint match, for each Region."""
    matches = lint(json.dumps(template), config=ManualArgs(regions=REGIONS))
    return [(m.rule.id, m.rule.severity, m.message) for m in matches]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_passes_cfn_lint(synth: SynthFn, variant: str) -> None:
    context, region = VARIANTS[variant]
    found = findings(synth(context, region=region).raw)

    assert [f for f in found if f[1] == "error"] == []
    assert {rule for rule, _severity, _message in found} <= set(KNOWN_WARNINGS), found


def test_cfn_lint_would_report_a_broken_template(synth: SynthFn) -> None:
    # The check above can fail: the same template with a bad property is an error.
    template = json.loads(json.dumps(synth().raw))
    [function] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    function["Properties"]["MemorySize"] = 5  # below Lambda's 128 MB minimum

    assert any(severity == "error" for _rule, severity, _message in findings(template))
