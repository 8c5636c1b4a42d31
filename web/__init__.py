"""web: the browser interface (``archive serve``), a second face beside ``cli/``.

Routes check the session, call one workflow of the library and render a template; rules and
permission checks stay in the workflows. Static assets are vendored (``static/vendor``, see its
``assets.lock.json``): a page never asks another host for anything."""

from .app import create_app

__all__ = ["create_app"]
