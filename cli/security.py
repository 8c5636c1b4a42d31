"""archive key rotate|encrypt-attachments — the personal-data key (docstore.security)."""

from __future__ import annotations

import click

from docstore.security import SealReport, encrypt_attachments, rotate_key

from .context import AppContext, pass_app


@click.group("key")
def key() -> None:
    """The key that encrypts personal data (kept outside the data folder, ARCHIVE_KEY_FILE).

    \b
    Example:
      archive key rotate
      archive key encrypt-attachments
    """


@key.command("rotate")
@pass_app
def rotate(app: AppContext) -> None:
    """Make a new key and re-encrypt every customer's personal data and every encrypted
    attachment with it (admins only). The old keys stay in the key file, marked retired, so
    older backups still open. Interrupted, run it again: it resumes with the same key.

    \b
    Example:
      archive key rotate
    """
    report = rotate_key(app.archive, app.settings.key_file, app.settings.data_dir)
    _sealed(app, report, f"re-encrypted {report.customers} customer(s) and "
                         f"{report.sealed} attachment(s); new key {report.key} in "
                         f"{app.settings.key_file}, the retired keys kept there (marked "
                         "retired) so older backups still open")


@key.command("encrypt-attachments")
@pass_app
def encrypt_attachments_command(app: AppContext) -> None:
    """Encrypt the attachments stored before encryption of attachments was turned on
    (admins only; set encrypt_attachments = true first). Interrupted, run it again.

    \b
    Example:
      ARCHIVE_ENCRYPT_ATTACHMENTS=1 archive key encrypt-attachments
    """
    report = encrypt_attachments(app.archive)
    _sealed(app, report, f"encrypted {report.sealed} attachment(s), {report.already} were "
                         f"already encrypted; key {report.key}")


def _sealed(app: AppContext, report: SealReport, text: str) -> None:
    app.emit(report, lambda: app.out.print(text, markup=False))
