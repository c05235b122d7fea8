"""What a guardrail intervention reports: the `trace.guardrail` document (pure).

Shape: botocore's GuardrailTraceAssessment (outputAssessments: guardrail id -> assessments;
GuardrailUsage lists its required unit counts). Bedrock includes it only when the request's
guardrailConfig.trace is `enabled` or `enabled_full`.
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailTraceAssessment.html
https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use-converse-api.html
"""

from __future__ import annotations

from local.bedrock.model import Turn

# The emulated intervention: a content filter blocking violence, with high confidence.
_FILTER = {
    "type": "VIOLENCE",
    "confidence": "HIGH",
    "filterStrength": "HIGH",
    "action": "BLOCKED",
    "detected": True,
}


def guardrail_trace(turn: Turn) -> dict[str, object] | None:
    """`{"guardrail": {...}}` for a stream that a guardrail stopped and the request traces."""
    plan, asks = turn.plan, turn.asks
    if plan.stop_reason != "guardrail_intervened" or not asks.guardrail_trace:
        return None
    characters = len(plan.text) + len(plan.guardrail_text)
    assessment = {
        "contentPolicy": {"filters": [_FILTER]},
        "invocationMetrics": {
            "guardrailProcessingLatency": 42,
            "usage": {
                "topicPolicyUnits": 0,
                "contentPolicyUnits": 1,
                "wordPolicyUnits": 0,
                "sensitiveInformationPolicyUnits": 0,
                "sensitiveInformationPolicyFreeUnits": 0,
                "contextualGroundingPolicyUnits": 0,
            },
            "guardrailCoverage": {"textCharacters": {"guarded": characters, "total": characters}},
        },
    }
    guardrail_id = asks.guardrail_id or "local-guardrail"
    return {
        "guardrail": {
            "outputAssessments": {guardrail_id: [assessment]},
            "actionReason": "Guardrail blocked.",
        }
    }
