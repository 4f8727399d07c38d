"""Exception types of hoidap. The service maps them to HTTP codes, the CLI to exit codes."""


class HoidapError(Exception):
    """Base class for every error hoidap raises on purpose."""


class InvalidInputError(HoidapError):
    """A question, filter or parameter that cannot be used (empty, too long, out of range)."""


class DocumentError(HoidapError):
    """A document that cannot be read or parsed; names the file or line."""


class DocumentNotFoundError(HoidapError):
    """A request for a document id the corpus does not have."""


class IndexNotFoundError(HoidapError):
    """No index exists at the given place."""


class IndexCorruptError(HoidapError):
    """An index whose files are missing, truncated or altered."""


class IndexMismatchError(HoidapError):
    """An index built with another model, normaliser, tokenizer or chunker than requested."""


class CorpusMismatchError(IndexMismatchError):
    """The corpus to serve is not the one in the index, and replacing the index would lose
    documents added or removed one by one (admin API, `index add/remove`)."""


class ModelUnavailableError(HoidapError):
    """An embedding model that is not available locally (hoidap never downloads models)."""


# ---- raised by the HTTP service only -------------------------------------------------------


class ServiceNotReadyError(HoidapError):
    """The index is still loading, or could not be loaded (the message says why)."""


class IndexBusyError(HoidapError):
    """Another change of the index is running; one writer at a time."""


class IndexUpdateError(HoidapError):
    """A change of the index failed (disk full, unwritable folder); the old index still serves."""


class AnswerTimeoutError(HoidapError):
    """A question that took longer than the configured limit to answer."""


class RateLimitedError(HoidapError):
    """A client that asked too often; `retry_after` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTooLargeError(HoidapError):
    """A request body above the configured size limit."""


class AuthenticationError(HoidapError):
    """An admin request without the right API key."""


class AdminDisabledError(HoidapError):
    """An admin request while no admin API key is configured."""


def code_for(error: HoidapError, codes: dict[type[HoidapError], int], default: int) -> int:
    """The code of the most specific error type in `codes` (HTTP status, exit code)."""
    for kind in type(error).__mro__:
        if kind in codes:
            return codes[kind]
    return default


class BackendUnavailableError(HoidapError):
    """The index database cannot be reached, or refuses what was asked (read-only replica)."""


class AnswerNotFoundError(HoidapError):
    """Feedback on an answer id this server did not give, or has forgotten (it remembers
    its latest answers only)."""


class JobNotFoundError(HoidapError):
    """An admin job id this server did not start, or has forgotten."""


class FeedbackStorageError(HoidapError):
    """Feedback that could not be stored or read (unwritable folder, disk full, a database
    without the feedback table)."""
