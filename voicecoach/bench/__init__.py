"""`make bench`: the test-audio corpus, the runner, scoring and the report (see docs/benchmark.md)."""
