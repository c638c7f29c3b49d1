"""The prompts suite."""
