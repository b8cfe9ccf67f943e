"""The load benchmarks (benchmarks/README.md, `make bench`): scripts, and a
Django app installed only when BENCHMARK_VIEWS is on (and in the tests)."""
