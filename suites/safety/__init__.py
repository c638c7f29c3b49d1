"""The safety suite."""
