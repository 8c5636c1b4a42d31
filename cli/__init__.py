"""cli: the thin Click front end; see ``cli.main``."""
