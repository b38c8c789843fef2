"""What the tests and the benchmarks share, and neither owns: the local fakes of Slack,
Zendesk and GitHub (`testkit.fakes`, one HTTP server and one fault-injection mechanism), the
example desk wired to them, the requests Slack sends, the desk run as `./run app` runs it,
and cases seeded in any state.

`tests/` and `bench/` both import from here and never from each other; nothing here imports
either of them. It is not part of the product (pyproject's packages leave it out)."""
