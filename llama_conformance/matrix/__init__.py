"""The conformance matrix: many targets x API generations, sharded across machines, merged into one table."""
