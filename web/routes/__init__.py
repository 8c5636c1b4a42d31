"""The web's routes, one module per area like ``cli/``: each route checks the session (the
``desk`` dependency), calls one workflow and renders a template."""

from . import (admin, analytics, auth, customer_procedures, customers, disposal, documents,
               dossier_procedures, dossiers, emergency, home, jobs, journal, loans, log_review,
               reports, search, sharing)

ROUTERS = [auth.router, home.router, search.router, documents.router, customers.router,
           dossiers.router, loans.router, reports.router, journal.router, analytics.router,
           jobs.router, disposal.router, admin.router, log_review.router, emergency.router,
           sharing.router, customer_procedures.router, dossier_procedures.router]
