"""Checks of an HTTP deployment as a whole: its OpenAPI document, fuzzed per operation."""
