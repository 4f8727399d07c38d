"""The PostgreSQL + pgvector backend: the same index and retrievers as the files backend,
kept in a database that several service processes (and read replicas) share.

    schema.py      versioned migrations
    writer.py      build / add / remove, each one transaction
    reader.py      PostgresIndex and its Searcher (what the service holds)
    retrievers.py  BM25 in SQL over postings, pgvector HNSW, SQL filters
    db.py          connections, snapshots, error mapping
    local.py       a throwaway local server for tests and benchmarks
"""
