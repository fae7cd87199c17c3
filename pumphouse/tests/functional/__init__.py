"""Functional tests: real services, real clouds (tools/minicloud)."""
