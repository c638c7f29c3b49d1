"""The messages wing: the Anthropic Messages API (ogx-api 1.5 ``Messages``)."""
