"""archive serve"""

from __future__ import annotations

import click

from .context import AppContext, pass_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; put HTTPS in front).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--session-hours", type=click.FloatRange(0.1, 24), default=2.0, show_default=True,
              help="A session ends after this long without a request.")
@click.option("--secure-cookies", is_flag=True,
              help="Send the session cookie over HTTPS only (behind a TLS proxy).")
@pass_app
def serve(app: AppContext, host: str, port: int, session_hours: float,
          secure_cookies: bool) -> None:
    """The web interface (Chinese first, English selectable) over this archive: search,
    documents, customers, dossiers, loans, approvals and the monthly report. People log in
    with the password set by `archive user password NAME`.

    \b
    Example:
      archive user password 王芳            # once per person
      archive serve --port 8080             # then open http://127.0.0.1:8080/
    """
    import uvicorn

    from web import create_app

    web_app = create_app(app.settings, session_hours=session_hours,
                         secure_cookies=secure_cookies)
    app.err.print(f"archive web interface on http://{host}:{port}/ (Ctrl-C stops it)",
                  markup=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False)
