"""The file_processors wing: documents into chunks (suites, checks, proofs)."""
