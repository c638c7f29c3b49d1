"""The responses suite."""
