"""Embedding: the sentence-transformers model from a local package, run fast on a CPU, and vector helpers."""
