"""Stress suite (``--llama-profile stress``): concurrent calls and long streams, bounded in count and time."""
