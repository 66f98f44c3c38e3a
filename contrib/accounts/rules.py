"""The rules an account's fields follow: e-mail, password and display name (no impersonation of the team),
and how a form's faults are gathered to be shown all at once."""

from __future__ import annotations

import re
import unicodedata

from contrib.core.errors import InvalidInput
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Role, User

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str | None) -> str:
    """Return the e-mail lowercased and trimmed, or raise InvalidInput."""
    value = (email or "").strip().lower()
    # The length first: the pattern backtracks quadratically on a long run of dots.
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("Adresse e-mail invalide (exemple : prenom.nom@exemple.fr).", field="email")
    return value


def check_password_rules(password: str | None) -> str:
    """Return the password if it follows the rules, or raise InvalidInput explaining which."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères.", field="password"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX_LENGTH} caractères.", field="password")
    if len(set(password)) < 4:
        raise InvalidInput("Le mot de passe est trop simple : variez les caractères.", field="password")
    return password


_RESERVED_NAMES = frozenset(
    {
        "cpof",
        "equipe",
        "equipecpof",
        "lequipe",
        "moderation",
        "moderateur",
        "moderatrice",
        "moderateurs",
        "equipedemoderation",
        "administrateur",
        "administratrice",
        "administration",
        "admin",
        "staff",
    }
)
_RESERVED_WORDS = frozenset(
    {"cpof", "moderation", "moderateur", "moderatrice", "administrateur", "administratrice", "admin"}
)
IMPERSONATION_MESSAGE = (
    "Nom affiché : ce nom est réservé à l'équipe CPOF et à la modération "
    "(ou imite le nom d'un de leurs membres). Choisissez votre propre nom."
)


# Letters and digits that pass for Latin letters (Cyrillic, Greek, digits, symbols): « СРОF », « Adm1n »,
# « @dmin », « Mοdération » with a Greek omicron. Both sides of a comparison go through the same map, so
# « l » and « 1 » both read as « i » there (the comparison only, never the stored name).
_LOOK_ALIKES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕкмнтвԁһ", "aeopcyxijskmhtbdh", strict=True)),  # Cyrillic
        **dict(zip("αεορτνικχυβμ", "aeoptvikxybm", strict=True)),  # Greek
        **dict(zip("01345@$l", "oieasasi", strict=True)),
    }
)


def _unaccented(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", name).casefold() if not unicodedata.combining(ch))


def fold_name(name: str) -> str:
    """The name without case, accents, punctuation or spaces: "Équipe C.P.O.F" -> "equipecpof"."""
    return "".join(ch for ch in _unaccented(name) if ch.isalnum())


def _skeleton(name: str) -> str:
    """What the name looks like: folded, look-alike letters read as the Latin ones (« rn » as « m »)."""
    return "".join(ch for ch in _unaccented(name).translate(_LOOK_ALIKES) if ch.isalnum()).replace("rn", "m")


_RESERVED_SKELETONS = frozenset(_skeleton(name) for name in _RESERVED_NAMES)
_RESERVED_WORD_SKELETONS = frozenset(_skeleton(word) for word in _RESERVED_WORDS)


def check_display_name(name: str, *, exclude_user_id: int | None = None) -> None:
    """Raise InvalidInput when the name imitates the organisation, its roles or a staff or moderator member,
    with look-alike letters from other alphabets or digits too."""
    folded = _skeleton(name)
    words = {_skeleton(word) for word in re.split(r"[\s\-_.,'’]+", name) if word}
    if folded in _RESERVED_SKELETONS or "cpof" in folded or words & _RESERVED_WORD_SKELETONS:
        raise InvalidInput(IMPERSONATION_MESSAGE, field="display_name")
    team = db.select(User.display_name).where(User.role.in_([Role.MODERATOR, Role.STAFF]), User.is_active)
    if exclude_user_id is not None:
        team = team.where(User.id != exclude_user_id)
    if folded in {_skeleton(other) for other in db.session.scalars(team)}:
        raise InvalidInput(IMPERSONATION_MESSAGE, field="display_name")


def clean_display_name(display_name: str | None, *, role: Role, exclude_user_id: int | None = None) -> str:
    """The display name cleaned and checked against impersonation (staff name the team's accounts freely)."""
    name = clean_text(display_name, field_label="Nom affiché", max_length=80, multiline=False)
    if not role.includes(Role.MODERATOR):  # staff name the team's accounts freely
        check_display_name(name, exclude_user_id=exclude_user_id)
    return name


def email_taken(email: str) -> bool:
    """Whether an account already has this (normalised) address."""
    return db.session.execute(db.select(User.id).filter_by(email=email)).first() is not None
