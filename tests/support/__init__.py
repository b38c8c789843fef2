"""Helpers shared by test modules. Nothing here is a test module; test modules import from
here (or from tests/harness.py and testkit/), never from one another."""
