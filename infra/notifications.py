"""Where the alarms notify: a topic of the stack with an email subscription, or a given topic."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.alarms import FunctionAlarms

CLOUDWATCH = "cloudwatch.amazonaws.com"


def _from_this_accounts_alarms(stack: Stack) -> dict[str, dict[str, str]]:
    """Conditions that let CloudWatch act only for alarms of this account and Region."""
    alarms = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": alarms},
    }


class AlarmTopic(Construct):
    """An encrypted SNS topic for the alarms, with one email subscription."""

    def __init__(self, scope: Construct, construct_id: str, *, email: str) -> None:
        """Create the key, the topic (TLS only) and the email subscription."""
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        conditions = _from_this_accounts_alarms(stack)
        # A customer managed key, not alias/aws/sns: CloudWatch can publish to an encrypted
        # topic only when the key policy lets it use the key.
        # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the Bedrock Stream alarm topic; CloudWatch alarms may use it.",
            enable_key_rotation=True,
            # It encrypts only the stack's own topic, which `cdk destroy` deletes: the key goes
            # too (after KMS's waiting period) instead of costing a month's key fee forever.
            # https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=conditions,
            )
        )
        # enforce_ssl adds a topic policy denying publishes and subscribes without TLS; a
        # topic policy replaces SNS's default one, so CloudWatch's publish is allowed here.
        # https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="Bedrock Stream alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=conditions,
            )
        )
        # The address gets a confirmation email first; nothing arrives until it is confirmed.
        self.topic.add_subscription(subscriptions.EmailSubscription(email))


def alarm_topic(scope: Construct, *, email: str | None, topic_arn: str | None) -> sns.ITopic | None:
    """The topic the alarms notify: the given one, a new one for the email, or none."""
    if topic_arn is not None:
        return sns.Topic.from_topic_arn(scope, "AlarmTopic", topic_arn)
    if email is not None:
        return AlarmTopic(scope, "AlarmNotifications", email=email).topic
    return None


def notify(alarms: FunctionAlarms, topic: sns.ITopic) -> None:
    """Every alarm notifies the topic when it fires and when it is back to OK."""
    action = cw_actions.SnsAction(topic)
    for alarm in alarms.all():
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
