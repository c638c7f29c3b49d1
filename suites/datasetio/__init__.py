"""The datasetio suite."""
