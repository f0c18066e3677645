"""Searching: dense and BM25 retrieval fused, with filters, dates, recency and one story once."""
