"""The demo: sample documents and a guided tour of an archive.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .tour import run_demo
from .samples import SAMPLE_CUSTOMERS, write_pdf, write_samples, write_scan

__all__ = [
    "SAMPLE_CUSTOMERS", "run_demo", "write_pdf", "write_samples", "write_scan",
]
