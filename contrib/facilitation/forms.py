from flask_wtf.file import FileField, FileRequired

from contrib.core.forms import Form
from contrib.facilitation.sheets import MAX_FILE_BYTES, MAX_ROWS


class UploadForm(Form):
    file = FileField(
        "Feuille d'atelier (CSV ou Excel .xlsx)",
        validators=[FileRequired("Choisissez un fichier CSV ou Excel (.xlsx) à importer.")],
        description=(
            f"{MAX_FILE_BYTES // 1024 // 1024} Mo et {MAX_ROWS:,} lignes au plus. ".replace(",", " ")
            + "Colonnes attendues : Thématique, Type, Texte ; facultatives : Titre, Table, "
            "Auteur, Type d'acteur."
        ),
    )


class ActionForm(Form):
    """A button that changes a batch (confirm, cancel, undo, mapping): only the CSRF token."""
