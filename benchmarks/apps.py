from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Benchmark-only views and grow_bench_data: not part of the product,
    installed only when BENCHMARK_VIEWS is on (o2o.settings.base) and in the tests."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
