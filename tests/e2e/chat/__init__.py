"""Helpers for the chat page, terminal client and OpenAI client tests."""
