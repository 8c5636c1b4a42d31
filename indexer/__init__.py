"""indexer: text extraction, Chinese normalisation and segmentation, search index adapters.

Import the modules themselves (``indexer.extract``, ``indexer.query``…): the package imports
nothing, so a search does not load the extractors.
"""
