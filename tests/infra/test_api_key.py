"""auth=api_key: a public (NONE) URL, a generated key in Secrets Manager, read access to it only."""

from __future__ import annotations

import pytest

from tests.infra.infra_support import Synth, SynthFn


@pytest.fixture(scope="module")
def api_key(synth: SynthFn) -> Synth:
    """The stack with `-c auth=api_key`."""
    return synth({"auth": "api_key"})


def test_url_auth_is_none_and_still_streams(api_key: Synth) -> None:
    url = api_key.only("AWS::Lambda::Url")

    assert url["AuthType"] == "NONE"
    assert url["InvokeMode"] == "RESPONSE_STREAM"


def test_key_is_a_generated_secret_and_only_its_arn_is_in_the_environment(api_key: Synth) -> None:
    [(secret_id, secret)] = api_key.resources("AWS::SecretsManager::Secret").items()
    env = api_key.only("AWS::Lambda::Function")["Environment"]["Variables"]

    generator = secret["Properties"]["GenerateSecretString"]
    assert generator["PasswordLength"] >= 32
    assert "SecretString" not in secret["Properties"]
    assert env["API_KEY_SECRET_ARN"] == {"Ref": secret_id}
    assert env["AUTH_MODE"] == "api_key"
    assert "API_KEY" not in env
    secret_refs = [k for k, v in env.items() if v == {"Ref": secret_id}]
    assert secret_refs == ["API_KEY_SECRET_ARN"]


def test_function_may_read_that_secret_and_no_other(api_key: Synth) -> None:
    [secret_id] = api_key.resources("AWS::SecretsManager::Secret")
    statements = api_key.only("AWS::IAM::Policy")["PolicyDocument"]["Statement"]

    secret_statements = [
        s for s in statements if any(a.startswith("secretsmanager:") for a in s["Action"])
    ]
    assert len(secret_statements) == 1
    assert secret_statements[0]["Resource"] == {"Ref": secret_id}
    assert "secretsmanager:GetSecretValue" in secret_statements[0]["Action"]
    assert not any(
        a.startswith("secretsmanager:Put") or a.endswith(":*")
        for a in secret_statements[0]["Action"]
    )


def test_public_invoke_permissions_for_a_none_url(api_key: Synth) -> None:
    [function_id] = api_key.resources("AWS::Lambda::Function")
    permissions = {
        p["Properties"]["Action"]: p["Properties"]
        for p in api_key.resources("AWS::Lambda::Permission").values()
    }

    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    url_grant = permissions["lambda:InvokeFunctionUrl"]
    assert (url_grant["Principal"], url_grant["FunctionUrlAuthType"]) == ("*", "NONE")
    # Since October 2025 a NONE URL also needs lambda:InvokeFunction (docs/PROTOCOLS.md §4.5).
    invoke_grant = permissions["lambda:InvokeFunction"]
    assert (invoke_grant["Principal"], invoke_grant["InvokedViaFunctionUrl"]) == ("*", True)
    for grant in permissions.values():
        assert grant["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_secret_arn_is_an_output(api_key: Synth) -> None:
    [secret_id] = api_key.resources("AWS::SecretsManager::Secret")

    assert api_key.raw["Outputs"]["ApiKeySecretArn"]["Value"] == {"Ref": secret_id}
