"""The model layer under the `llm` API: providers, the embedded local model, resilience."""
