"""The tenancy suite: per-user isolation on a deployment with authentication."""
