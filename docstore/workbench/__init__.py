"""工作台: what each person has to do today, by what their role lets them do (a read model
over loans and dossiers for the faces).

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .today import copy_requests, workbench

__all__ = ["copy_requests", "workbench"]
