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


class ModelUnavailableError(HoidapError):
    """An embedding model that is not available locally (hoidap never downloads models)."""


def code_for(error: HoidapError, codes: dict[type[HoidapError], int], default: int) -> int:
    """The code of the most specific error type in `codes` (HTTP status, exit code)."""
    for kind in type(error).__mro__:
        if kind in codes:
            return codes[kind]
    return default


class BackendUnavailableError(HoidapError):
    """The index database cannot be reached, or refuses what was asked (read-only replica)."""
