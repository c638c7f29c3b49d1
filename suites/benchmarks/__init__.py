"""The benchmarks suite."""
