"""The batches suite."""
