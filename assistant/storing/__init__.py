"""Storing: chunks and their vectors in Chroma, with the BM25 index, chunk mirror and sentence vectors beside it, kept in step with the seeds folder."""
