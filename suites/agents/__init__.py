"""The agents suite (llama-stack-api 0.5-0.6: the OpenAI Responses API under the agents name)."""
