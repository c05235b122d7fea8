"""Alarm notifications (docs/API.md §13): alarm_email or alarm_topic_arn, checked and wired."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, config_from_context
from tests.infra.infra_support import Synth, SynthFn, findings

EMAIL = "oncall@example.com"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:team-alarms"


@pytest.fixture(scope="module")
def emailed(synth: SynthFn) -> Synth:
    return synth({"alarm_email": EMAIL})


@pytest.fixture(scope="module")
def topic_given(synth: SynthFn) -> Synth:
    return synth({"alarm_topic_arn": TOPIC_ARN})


def alarms(synth: Synth) -> list[dict[str, Any]]:
    found = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    assert len(found) == 3
    return found


def statements(document: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    return [s for s in document["Statement"] if s.get("Sid") == sid]


def test_without_context_the_alarms_have_no_actions(default: Synth) -> None:
    for alarm in alarms(default):
        assert "AlarmActions" not in alarm
        assert "OKActions" not in alarm
    default.template.resource_count_is("AWS::SNS::Topic", 0)


def test_alarm_email_creates_an_encrypted_topic_with_the_subscription(emailed: Synth) -> None:
    [(topic_id, topic)] = emailed.resources("AWS::SNS::Topic").items()
    [(key_id, key)] = emailed.resources("AWS::KMS::Key").items()
    subscription = emailed.only("AWS::SNS::Subscription")

    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    # the key leaves with the stack (after KMS's shortest waiting period), not kept forever
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Delete", "Delete")
    assert key["Properties"]["PendingWindowInDays"] == 7
    assert subscription == {"Protocol": "email", "Endpoint": EMAIL, "TopicArn": {"Ref": topic_id}}
    for alarm in alarms(emailed):
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["OKActions"] == [{"Ref": topic_id}]


def test_the_topic_takes_only_tls_and_only_this_accounts_alarms(emailed: Synth) -> None:
    policy = emailed.only("AWS::SNS::TopicPolicy")["PolicyDocument"]
    key_policy = emailed.only("AWS::KMS::Key")["KeyPolicy"]

    [tls] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for document, actions in (
        (policy, "sns:Publish"),
        (key_policy, ["kms:Decrypt", "kms:GenerateDataKey*"]),
    ):
        [grant] = statements(document, "CloudWatchAlarmsPublish")
        assert grant["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert grant["Action"] == actions
        assert grant["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
        }
        assert set(grant["Condition"]["ArnLike"]) == {"aws:SourceArn"}


def test_alarm_topic_arn_is_notified_and_nothing_is_created(topic_given: Synth) -> None:
    for alarm in alarms(topic_given):
        assert alarm["AlarmActions"] == [TOPIC_ARN]
        assert alarm["OKActions"] == [TOPIC_ARN]
    topic_given.template.resource_count_is("AWS::SNS::Topic", 0)
    topic_given.template.resource_count_is("AWS::KMS::Key", 0)


def test_the_notification_resources_are_cdk_nag_clean(emailed: Synth, topic_given: Synth) -> None:
    # add_nag is on, so the synth itself would have failed; and nothing is acknowledged away.
    assert findings(emailed.stack) == set()
    assert findings(topic_given.stack) == set()
    acknowledged = [
        entry
        for construct in emailed.stack.node.find_all()
        if "AlarmNotifications" in construct.node.path
        for entry in construct.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
    ]
    assert acknowledged == []


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"alarm_email": "not-an-address"}, "alarm_email: expected one address"),
        ({"alarm_email": "a@b.example, c@d.example"}, "alarm_email: expected one address"),
        ({"alarm_email": "ops@example"}, "alarm_email: expected one address"),
        ({"alarm_topic_arn": "team-alarms"}, "alarm_topic_arn: expected an SNS topic ARN"),
        (
            {"alarm_topic_arn": "arn:aws:sqs:us-east-1:123456789012:queue"},
            "alarm_topic_arn: expected an SNS topic ARN",
        ),
        (
            {"alarm_topic_arn": "arn:aws:sns:us-east-1:1234:alarms"},
            "alarm_topic_arn: expected an SNS topic ARN",
        ),
        ({"alarm_email": EMAIL, "alarm_topic_arn": TOPIC_ARN}, "not both"),
    ],
)
def test_bad_alarm_context_is_refused_clearly(context: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_context(context.get)


@pytest.mark.parametrize(
    "arn",
    [
        TOPIC_ARN,
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:Alarms_1",
        "arn:aws-cn:sns:cn-north-1:123456789012:alarms",
        "arn:aws:sns:ap-southeast-2:123456789012:ordered.fifo",
    ],
)
def test_topic_arns_of_every_partition_are_accepted(arn: str) -> None:
    assert config_from_context({"alarm_topic_arn": f" {arn} "}.get).alarm_topic_arn == arn


def test_empty_alarm_context_means_none() -> None:
    config = config_from_context({"alarm_email": "", "alarm_topic_arn": ""}.get)

    assert (config.alarm_email, config.alarm_topic_arn) == (None, None)
