"""Block Kit builders: pure functions from case data to blocks and views."""
