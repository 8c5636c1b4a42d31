"""The web's routes, one module per area like ``cli/``: each route checks the session (the
``desk`` dependency), calls one workflow and renders a template."""

from . import (admin, analytics, auth, customers, disposal, documents, dossiers, home, jobs,
               journal, loans, reports, search)

ROUTERS = [auth.router, home.router, search.router, documents.router, customers.router,
           dossiers.router, loans.router, reports.router, journal.router, analytics.router,
           jobs.router, disposal.router, admin.router]
