"""The interactions suite (Google Interactions API, ogx-api 1.5)."""
