"""Tests of the local fakes themselves (testkit/fakes): they answer as the services do."""
