"""Shared fixtures for the functional (loopback) tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.bedrock import BedrockEmulator


@pytest.fixture(scope="session")
def bedrock_emulator() -> Iterator[BedrockEmulator]:
    """A local Bedrock Runtime on 127.0.0.1 for the whole session; tests read `.requests`."""
    with BedrockEmulator() as emulator:
        yield emulator
