"""Cold start, the floor: boto3 imported and a bedrock-runtime client built; prints `ready`."""

import sys

import boto3

client = boto3.client("bedrock-runtime")
sys.stdout.write("ready\n")
sys.stdout.flush()
