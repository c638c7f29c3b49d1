"""The skills suite (versioned skill bundles, ogx-api 1.5)."""
