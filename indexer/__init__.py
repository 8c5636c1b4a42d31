"""indexer: text extraction, Chinese normalisation and segmentation, search index adapters."""

from .extract import DefaultExtractor
from .normalize import normalize
from .query import parse as parse_query
from .segment import tokenize

__all__ = ["DefaultExtractor", "normalize", "parse_query", "tokenize"]
