"""A replay Bedrock: recorded-style streams, framed as Bedrock frames them, served on loopback."""
