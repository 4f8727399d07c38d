"""Corpus ingestion, cleaning, chunking and the persisted index."""
