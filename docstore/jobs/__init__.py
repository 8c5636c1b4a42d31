"""Background jobs (上传归档, 四性检测, 重建索引, OCR 重试, 备份, 客户清理): job records in the
archive's store, one job of a kind at a time, a thread pool for ``archive serve``, progress
shared with the command line, and ``interrupted`` for what a restart cut short. See
``runner`` for how an external queue would take the thread pool's place.
"""

from .kinds import KINDS, JobContext, JobKind
from .models import Job, JobState
from ..progress import Meter, Progress, Tally, silent
from .records import JobBusy, items, jobs, load
from .uploads import check_upload, submit_upload
from .runner import (Dispatcher, InlineDispatcher, Opener, RecordProgress, ThreadDispatcher,
                     execute, job_status, recover, resume, submit, visible_jobs)

__all__ = ["KINDS", "Dispatcher", "InlineDispatcher", "Job", "JobBusy", "JobContext", "JobKind",
           "JobState", "Meter", "Opener", "Progress", "RecordProgress", "Tally", "ThreadDispatcher",
           "execute", "items", "job_status", "jobs", "load", "recover", "resume", "silent",
           "submit", "submit_upload", "check_upload", "visible_jobs"]
