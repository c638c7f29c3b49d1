"""The post_training suite (llama-stack-api 0.5-0.6)."""
