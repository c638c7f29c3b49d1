"""The scoring suite."""
