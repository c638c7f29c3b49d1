"""The vector_io suite."""
