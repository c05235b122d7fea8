"""CDK code for Bedrock Stream: the StreamingFunction construct and the stack that composes it."""
