"""GET /api/facts on the sample index: filters, pages, CSV, and errors for bad filters."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient


def test_facts_filtered_paged_and_newest_article_first(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    everything = client.get("/api/facts").json()
    assert everything["total"] == len(everything["facts"]) >= 3
    published = [f["published"] or "" for f in everything["facts"]]
    assert published == sorted(published, reverse=True)
    for fact in everything["facts"]:  # each fact carries the words that state it
        document = client.get(f"/api/documents/{fact['doc_id']}").json()
        assert document["text"][fact["start"]:fact["end"]] == fact["span"]
        assert fact["span"] in fact["sentence"]
    mine = client.get("/api/facts", params={"subject": "binh phuoc"}).json()
    assert mine["total"] >= 1 and {f["subject"] for f in mine["facts"]} == {"Bình Phước"}
    narrowed = client.get("/api/facts", params={"subject": "Vĩnh Long", "index": "DTI",
                                                "measure": "rank", "year": 2020}).json()
    assert [(f["index"], f["year"], f["value"]) for f in narrowed["facts"]] == [
        ("DTI", 2020, 52.0)]
    page = client.get("/api/facts", params={"offset": 1, "limit": 1}).json()
    assert page["facts"] == everything["facts"][1:2] and page["total"] == everything["total"]
    assert client.get("/api/facts", params={"year": 2021}).json() == {
        "facts": [], "total": 0, "offset": 0, "limit": 100}


def test_facts_as_csv(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.get("/api/facts", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == int(response.headers["x-total-count"]) >= 3
    assert {"subject", "index", "year", "measure", "value", "span", "doc_id", "level",
            "within"} <= set(rows[0])


def test_a_district_s_fact_says_whose_ranking_it_is() -> None:
    from index.facts import Fact, FactHit, Level, Measure, RankingIndex
    from service.api.routes.facts import _out

    fact = Fact("hd", "huyện Gia Lộc", RankingIndex.DTI, 2023, Measure.RANK, 1.0,
                Level.DISTRICT, 0, 9, 0, 30, within="Hải Dương")
    out = _out(FactHit(fact, "xếp thứ 1", "Huyện Gia Lộc xếp thứ 1.", "DTI cấp huyện", None))
    assert (out.level, out.within) == ("cấp huyện", "Hải Dương")


def test_bad_filters_get_a_clear_422(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    for params in ({"index": "XYZ"}, {"measure": "height"}, {"year": 1800},
                   {"limit": 0}, {"limit": 5000}, {"offset": -1}, {"format": "xml"},
                   {"subject": "x" * 300}):
        response = client.get("/api/facts", params=params)
        assert response.status_code == 422, params
        assert isinstance(response.json()["detail"], str), params


def test_the_subjects_with_their_fact_counts(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    subjects = client.get("/api/facts/subjects").json()["subjects"]
    everything = client.get("/api/facts", params={"limit": 1000}).json()["facts"]
    counts: dict[str, int] = {}
    for fact in everything:
        counts[fact["subject"]] = counts.get(fact["subject"], 0) + 1
    assert subjects == [{"subject": s, "facts": counts[s]} for s in sorted(counts)]
    assert {"subject": "Bình Phước", "facts": 2} in subjects
    page = client.get("/facts")
    assert page.status_code == 200 and "/static/facts.js" in page.text
