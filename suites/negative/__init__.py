"""The negative contract every API shares, driven by the rows its wings declare."""
