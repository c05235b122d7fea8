"""Bedrock Stream: the application that streams Amazon Bedrock answers through a Function URL."""
