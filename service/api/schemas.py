"""Request and response shapes of the HTTP API: a contract other tools rely on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from retriever.search import MAX_QUERY_CHARS
from service.answering.followup import MAX_HISTORY_TURNS
from service.answering.types import Citation as CitationValue

MAX_TURN_CHARS = 4000


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message": "Bình Phước xếp hạng chuyển đổi số thứ mấy?", "history": []},
    ]})

    message: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    history: list[ChatTurn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    top_k: int | None = Field(default=None, ge=1, le=20)
    province: str | None = Field(default=None, max_length=100)


class CitationOut(BaseModel):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    province: str | None
    text: str
    start: int
    end: int
    score: float

    @classmethod
    def of(cls, citation: CitationValue) -> CitationOut:
        return cls.model_validate(citation, from_attributes=True)


class ChatResponse(BaseModel):
    answer: str
    answer_span: str | None
    abstained: bool
    citations: list[CitationOut] = Field(description="the passages the answer cites, by the "
                                         "[n] in its text")
    timings_ms: dict[str, float]
    # Added fields (older clients ignore them): the question actually answered after
    # follow-up resolution, which reader gave the span, and why an answer was declined.
    resolved_question: str = ""
    reader: str | None = Field(default=None, description=(
        "rules or neural (the reader of the passages), or facts (a ranking fact the index "
        "extracted from an article)"))
    decline_reason: str | None = Field(default=None, description="why it abstained, e.g. "
                                       "province, year, no answer, weak")
    # Since the feedback API: the other passages retrieved (numbered after the citations;
    # before, they were citations 2..n), and the id that POST /api/feedback refers to.
    sources: list[CitationOut] = Field(default_factory=list, description="further passages "
                                       "retrieved for the question, not cited")
    answer_id: str = Field(default="", description="this answer's id for POST /api/feedback")


class SearchResponse(BaseModel):
    hits: list[CitationOut]
    timings_ms: dict[str, float] = Field(default_factory=dict)


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    province: str | None
    published: str | None
    author: str | None
    url: str | None
    chunks: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total: int = Field(description="documents in the index, on every page")
    offset: int
    limit: int


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    text: str
    province: str | None
    published: str | None
    author: str | None
    url: str | None
    dateline: str | None


class FileProblem(BaseModel):
    file: str
    line: int | None
    message: str


class IndexChange(BaseModel):
    """What an admin request changed; `errors` lists each file or line that was skipped."""

    added: list[str] = Field(default_factory=list)
    replaced: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    errors: list[FileProblem] = Field(default_factory=list)
    documents: int
    chunks: int


class JobOut(BaseModel):
    """An admin job (an upload or a reindex): poll `href` until `status` is succeeded or
    failed. `result` is what a waited-for request would have answered; `error` and
    `error_status` what it would have failed with."""

    job_id: str
    operation: Literal["upload", "reindex"]
    status: Literal["queued", "running", "succeeded", "failed"]
    href: str
    created: str
    started: str | None = None
    finished: str | None = None
    result: IndexChange | None = None
    error: str | None = None
    error_status: int | None = None


class ErrorOut(BaseModel):
    detail: str


class Health(BaseModel):
    status: str
    documents: int | None = None
    chunks: int | None = None
    detail: str | None = None
    # The reader answering (rules, neural or auto), and the one asked for when they differ.
    reader: str | None = None
    reader_requested: str | None = None
    reader_detail: str | None = None


# ---- feedback on answers (POST /api/feedback, GET /api/admin/feedback) ----------------------
MAX_FEEDBACK_COMMENT_CHARS = 1000


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"answer_id": "3f2a9c0e8b7d4e1f9a6b5c4d3e2f1a0b", "rating": "up",
         "comment": "Đúng thông tin tôi cần, cảm ơn!"},
    ]})

    answer_id: str = Field(min_length=1, max_length=100,
                           description="the answer's `answer_id` from /api/chat")
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_FEEDBACK_COMMENT_CHARS,
                                description="optional; empty or blank: no comment")


class FeedbackStored(BaseModel):
    id: str = Field(description="the feedback's id")
    stored: bool = True


class FeedbackOut(BaseModel):
    id: str
    time: datetime = Field(description="when it was given (UTC)")
    answer_id: str
    rating: Literal["up", "down"]
    comment: str | None
    question: str = Field(description="the question as typed")
    resolved_question: str = Field(description="the question answered, after follow-up "
                                   "resolution")
    answer: str
    abstained: bool
    citation_ids: list[str] = Field(description="chunk ids of the passages the answer cites")


class FeedbackList(BaseModel):
    feedback: list[FeedbackOut] = Field(description="the latest feedback on each answer, "
                                        "newest first")
    total: int = Field(description="answers with feedback, on every page")
    offset: int
    limit: int


class FactOut(BaseModel):
    """A ranking fact as an article states it, with the words that state it."""

    subject: str
    index: str = Field(description="DTI, DTI/chính quyền số, PCI, PAPI, PAR INDEX, ...")
    year: int | None
    measure: str = Field(description="rank, score, rank_change, score_change or top_n")
    value: float | None = Field(description="None: said without a number (\"đứng cuối\")")
    out_of: int | None
    unit: str
    level: str = Field(description="cấp tỉnh, cấp bộ, cấp huyện or cấp sở, ngành")
    within: str = Field(default="", description="a district's or department's province "
                        "(whose ranking it is); empty for provinces and ministries")
    doc_id: str
    title: str
    published: str | None
    span: str = Field(description="the words stating it: document text[start:end]")
    start: int
    end: int
    sentence: str
    year_inherited: bool = Field(description="the sentence names no year: from before it")
    index_inherited: bool


class FactSubjectOut(BaseModel):
    subject: str
    facts: int = Field(description="how many facts the articles state about it")


class FactSubjects(BaseModel):
    subjects: list[FactSubjectOut] = Field(description="every subject, in alphabetical order")


class FactList(BaseModel):
    facts: list[FactOut]
    total: int = Field(description="facts matching the filters, on every page")
    offset: int
    limit: int
