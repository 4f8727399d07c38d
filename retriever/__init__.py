"""Vietnamese text handling and retrieval: BM25, dense (e5 + FAISS) and their hybrid."""
