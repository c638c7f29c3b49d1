"""The eval suite."""
