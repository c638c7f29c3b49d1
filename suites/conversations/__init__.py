"""The conversations suite."""
