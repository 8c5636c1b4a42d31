"""客户数据分析: counts over the whole archive for the general manager and managers — customers,
transactions, loans, dossiers and how well the archive work itself goes. Counts only, never
personal data; one journal entry per report. See ``report.build_report``.
"""

from .charts import Chart, chart, charts, write_csv
from .models import AnalyticsReport, Period
from .pdf import write_pdf
from .passes import raw_reads
from .report import build_report

__all__ = ["AnalyticsReport", "Chart", "Period", "build_report", "chart", "charts", "raw_reads",
           "write_csv", "write_pdf"]
