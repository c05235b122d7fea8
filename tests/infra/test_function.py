"""The default stack (no context): function, Function URL, role, logs, alarms and outputs."""

from __future__ import annotations

from aws_cdk import Token

from infra.alarms import near_timeout_ms
from infra.bedrock_access import INVOKE_ACTIONS
from tests.infra.infra_support import Synth, render, resource_set


def test_function_url_streams_and_requires_iam(default: Synth) -> None:
    url = default.only("AWS::Lambda::Url")

    assert url["InvokeMode"] == "RESPONSE_STREAM"
    assert url["AuthType"] == "AWS_IAM"
    assert "Cors" not in url
    assert default.resources("AWS::Lambda::Permission") == {}  # no public invoke grant


def test_function_runs_the_streaming_bootstrap_on_python_313_arm64(default: Synth) -> None:
    fn = default.only("AWS::Lambda::Function")

    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Handler"] == "bedrock_stream.handler.handler"
    assert fn["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/bootstrap"
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Timeout"] == 300
    assert fn["MemorySize"] == 512
    assert "ReservedConcurrentExecutions" not in fn


def test_environment_carries_the_api_md_section_8_settings(default: Synth) -> None:
    env = default.only("AWS::Lambda::Function")["Environment"]["Variables"]
    model = default.stack.config.models[0]

    assert env["ALLOWED_MODELS"] == ",".join(default.stack.config.models)
    assert (
        env["ALLOWED_MODELS"] == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    )  # docs/API.md §12.6
    assert env["DEFAULT_MODEL"] == model
    assert env["AUTH_MODE"] == "iam"
    assert {k: env[k] for k in ("MAX_TOKENS_LIMIT", "MAX_BODY_BYTES", "STALL_TIMEOUT_S")} == {
        "MAX_TOKENS_LIMIT": "16384",  # docs/API.md §12.6
        "MAX_BODY_BYTES": "1048576",
        "STALL_TIMEOUT_S": "60",
    }
    assert (env["KEEPALIVE_S"], env["DEADLINE_MARGIN_S"], env["LOG_CONTENT"]) == (
        "10",
        "3",
        "false",
    )
    assert env["POWERTOOLS_SERVICE_NAME"] == "bedrock-stream"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "BedrockStream"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert "API_KEY_SECRET_ARN" not in env


def test_function_logs_to_its_own_group_with_retention(default: Synth) -> None:
    [(group_id, group)] = default.resources("AWS::Logs::LogGroup").items()
    fn = default.only("AWS::Lambda::Function")

    assert group["Properties"]["RetentionInDays"] == 30
    assert fn["LoggingConfig"] == {"LogGroup": {"Ref": group_id}}
    assert group["DeletionPolicy"] == "Delete"


def test_role_has_no_managed_policies_and_only_scoped_grants(default: Synth) -> None:
    role = default.only("AWS::IAM::Role")
    statements = default.only("AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    by_action = {
        a: s
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    [log_group_id] = default.resources("AWS::Logs::LogGroup")

    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert by_action["logs:PutLogEvents"]["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    # The default model is a global profile (docs/API.md §12.6): the profile in the stack's
    # Region, and its model anywhere, including the Region-less ARN, only through it.
    profile = default.stack.config.models[0]
    model = profile.removeprefix("global.")
    profile_arn = f"arn:aws:bedrock:${{Region}}:${{Account}}:inference-profile/{profile}"
    bedrock = [s for s in statements if "bedrock:InvokeModel" in s["Action"]]
    [direct] = [s for s in bedrock if "Condition" not in s]
    [routed] = [s for s in bedrock if "Condition" in s]
    assert resource_set(direct) == {profile_arn}
    assert resource_set(routed) == {
        f"arn:aws:bedrock:*::foundation-model/{model}",
        f"arn:aws:bedrock:::foundation-model/{model}",
    }
    assert render(routed["Condition"]) == {
        "StringEquals": {"bedrock:InferenceProfileArn": profile_arn}
    }
    for statement in bedrock:
        assert sorted(statement["Action"]) == sorted(INVOKE_ACTIONS)
    # X-Ray is the one Resource "*": its actions have no resource-level permissions.
    assert {a for a, s in by_action.items() if s["Resource"] == "*"} == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert set(by_action) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


def test_alarms_on_errors_throttles_and_duration_near_timeout(default: Synth) -> None:
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in default.resources("AWS::CloudWatch::Alarm").values()
    }
    [function_id] = default.resources("AWS::Lambda::Function")

    assert set(alarms) == {"Errors", "Throttles", "Duration"}
    assert (alarms["Errors"]["Statistic"], alarms["Errors"]["Threshold"]) == ("Sum", 1)
    assert (alarms["Throttles"]["Statistic"], alarms["Throttles"]["Threshold"]) == ("Sum", 1)
    assert alarms["Duration"]["Statistic"] == "Maximum"
    assert alarms["Duration"]["Threshold"] == near_timeout_ms(300) == 270_000
    for alarm in alarms.values():
        assert alarm["Namespace"] == "AWS/Lambda"
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


def test_outputs_function_url_and_name(default: Synth) -> None:
    [url_id] = default.resources("AWS::Lambda::Url")
    [function_id] = default.resources("AWS::Lambda::Function")

    default.template.has_output("FunctionUrl", {"Value": {"Fn::GetAtt": [url_id, "FunctionUrl"]}})
    default.template.has_output("FunctionName", {"Value": {"Ref": function_id}})
    assert "ApiKeySecretArn" not in default.raw["Outputs"]
    default.template.resource_count_is("AWS::SecretsManager::Secret", 0)


def test_stack_is_environment_agnostic(default: Synth) -> None:
    statements = default.only("AWS::IAM::Policy")["PolicyDocument"]["Statement"]

    assert Token.is_unresolved(default.stack.region)
    assert Token.is_unresolved(default.stack.account)
    assert any("${Region}" in r for s in statements for r in resource_set(s))
