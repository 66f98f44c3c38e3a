"""Each audited act told as one French sentence, and its before/after as readable changes.

``SENTENCES`` holds one template per action name the code writes to the audit log (a test scans the
code and fails on an action without one). Placeholders are filled from the entry by ``Facts``; every
value is escaped by ``Markup.format``.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

from markupsafe import Markup

from contrib.core.french import count, french_spacing
from contrib.core.text_diff import highlight_differences
from contrib.core.undo import REDO_SUFFIX, UNDO_SUFFIX, label_of
from contrib.models import (
    AuditEntry,
    ContributionStatus,
    DuplicateStatus,
    ImportStatus,
    ProposalPriority,
    ProposalStatus,
    Role,
    SessionStatus,
)

SENTENCES: dict[str, str] = {
    # Proposals
    "proposals:proposal:create": "{actor} a fusionné {contributions} dans la nouvelle proposition {proposal}.",
    "proposals:proposal:add": "{actor} a ajouté {contributions} à la proposition {proposal}.",
    "proposals:proposal:remove": "{actor} a retiré {contributions} de la proposition {proposal}.",
    "proposals:proposal:merge": "{actor} a fusionné la proposition {proposal} dans la proposition {into} ({moved}).",
    "proposals:proposal:split": "{actor} a scindé la proposition {proposal} : {contributions} "
    "passent dans la nouvelle proposition {new_proposal}.",
    "proposals:proposal:edit": "{actor} a modifié le texte de la proposition {proposal}.",
    # Prioritisation
    "prioritisation:proposal:priority": "{actor} a changé la priorité de la proposition {proposal}.",
    "prioritisation:proposal:status": "{actor} a changé le statut de la proposition {proposal}.",
    "prioritisation:session:create": "{actor} a ouvert la séance de priorisation {session}.",
    "prioritisation:cards:generate": "{actor} a imprimé {n_cards} pour la séance de priorisation {session}.",
    "prioritisation:session:close": "{actor} a clos la séance de priorisation {session}.",
    "prioritisation:support:create": "{actor} a soutenu la proposition {proposal}.",
    "prioritisation:support:withdraw": "{actor} a retiré son soutien à la proposition {proposal}.",
    # Moderation and reports
    "moderation:contribution:hide": "{actor} a masqué la contribution {contribution}.",
    "moderation:contribution:restore": "{actor} a rétabli la contribution {contribution}.",
    "reports:contribution:report": "{actor} a signalé la contribution {contribution}.",
    "reports:comment:report": "{actor} a signalé le commentaire {comment}.",
    "reports:contribution:auto_hide": "La contribution {contribution} a été masquée automatiquement après "
    "{open_reports}.",
    "reports:comment:auto_hide": "Le commentaire {comment} a été masqué automatiquement après {open_reports}.",
    "reports:contribution:restore": "{actor} a rétabli la contribution {contribution} et clos {closed_reports}.",
    "reports:contribution:keep_hidden": "{actor} a gardé masquée la contribution {contribution} et clos "
    "{closed_reports}.",
    "reports:comment:restore": "{actor} a rétabli le commentaire {comment} et clos {closed_reports}.",
    "reports:comment:keep_hidden": "{actor} a gardé masqué le commentaire {comment} et clos {closed_reports}.",
    # Clustering
    "clustering:run:launch": "{actor} a lancé le regroupement n° {run} de la démarche {process}.",
    "clustering:cluster:rename": "{actor} a renommé le regroupement {old_name} en « {new_name} ».",
    "clustering:contribution:move": "{actor} a déplacé {contributions} vers le regroupement {to_cluster}.",
    "clustering:contribution:pin": "{actor} a épinglé {contributions} dans le regroupement {to_cluster}.",
    "clustering:contribution:exclude": "{actor} a exclu {contributions} du regroupement {from_cluster}.",
    "clustering:cluster:merge": "{actor} a fusionné le regroupement {from_cluster} dans le regroupement "
    "{to_cluster} ({moved}).",
    "clustering:cluster:split": "{actor} a scindé le regroupement {from_cluster} : {contributions} forment un "
    "nouveau regroupement.",
    # Duplicates
    "duplicates:detection:run": "{actor} a lancé la recherche de doublons de la démarche {process} ({groups_found}).",
    "duplicates:group:confirm": "{actor} a confirmé le groupe de doublons n° {target_id} : {kept} "
    "expriment une seule idée.",
    "duplicates:group:dismiss": "{actor} a écarté le groupe de doublons n° {target_id} : ce ne sont pas des doublons.",
    # Assistant
    "assistant:summary:generate": "{actor} a demandé à l'assistant un résumé de {scope_size}.",
    "assistant:answer:generate": "{actor} a posé à l'assistant la question « {question} » sur {scope_size}.",
    "assistant:draft:generate": "{actor} a demandé à l'assistant un brouillon de proposition sur {scope_size}.",
    "assistant:draft:use": "{actor} a utilisé le brouillon n° {draft} de l'assistant pour la proposition {proposal}.",
    "assistant:citation:flag": "{actor} a signalé comme fausse une citation de l'assistant : « {sentence} ».",
    # Plaidoyer
    "plaidoyer:plaidoyer:create": "{actor} a créé le plaidoyer {plaidoyer}.",
    "plaidoyer:plaidoyer:edit": "{actor} a modifié le texte du plaidoyer {plaidoyer}.",
    "plaidoyer:section:add": "{actor} a ajouté une section au plaidoyer {plaidoyer}.",
    "plaidoyer:section:rename": "{actor} a renommé une section du plaidoyer {plaidoyer}.",
    "plaidoyer:section:move": "{actor} a déplacé une section du plaidoyer {plaidoyer}.",
    "plaidoyer:section:remove": "{actor} a retiré une section du plaidoyer {plaidoyer}.",
    "plaidoyer:proposal:add": "{actor} a ajouté une proposition au plaidoyer {plaidoyer}.",
    "plaidoyer:proposal:move": "{actor} a déplacé une proposition dans le plaidoyer {plaidoyer}.",
    "plaidoyer:proposal:remove": "{actor} a retiré une proposition du plaidoyer {plaidoyer}.",
    "plaidoyer:process:add": "{actor} a ajouté au plaidoyer {plaidoyer} les propositions retenues d'une démarche.",
    "plaidoyer:version:create": "{actor} a enregistré la version {version_number} du plaidoyer {plaidoyer}.",
    "plaidoyer:plaidoyer:export": "{actor} a exporté le plaidoyer {plaidoyer} au format {file_format}.",
    # Participants
    "contributions:contribution:create": "{actor} a déposé la contribution {contribution}.",
    "contributions:contribution:edit": "{actor} a modifié sa contribution {contribution}.",
    "comments:comment:create": "{actor} a commenté la contribution {commented}.",
    "supports:support:create": "{actor} a soutenu la contribution {contribution}.",
    "supports:support:withdraw": "{actor} a retiré son soutien à la contribution {contribution}.",
    # Imports and loading
    "imports:batch:upload": "{actor} a déposé le fichier d'import n° {target_id}.",
    "imports:batch:confirm": "{actor} a confirmé l'import n° {target_id}.",
    "imports:batch:cancel": "{actor} a abandonné l'import n° {target_id}.",
    "imports:batch:undo": "{actor} a annulé l'import n° {target_id} ({hidden}).",
    "contributions:bulk:load": "{actor} a chargé {n_loaded} dans la démarche {process}.",
    # Accounts and administration
    "accounts:user:register": "{actor} a créé son compte.",
    "accounts:user:create": "{actor} a créé le compte de {user}.",
    "accounts:user:confirm_email": "{actor} a confirmé son adresse e-mail.",
    "accounts:user:rename": "{actor} a changé son nom affiché.",
    "accounts:user:change_password": "{actor} a changé son mot de passe.",
    "accounts:user:request_email_change": "{actor} a demandé à changer son adresse e-mail (à confirmer).",
    "accounts:user:change_email": "{actor} a changé son adresse e-mail, confirmée par le lien reçu.",
    "accounts:user:reset_password": "{actor} a choisi un nouveau mot de passe par le lien de réinitialisation.",
    "accounts:user:change_role": "{actor} a changé le rôle de {user}.",
    "accounts:user:delete": "Le compte n° {target_id} a été supprimé à la demande de son titulaire.",
    "processes:process:create": "{actor} a créé la démarche {process}.",
    "processes:process:update": "{actor} a modifié la démarche {process}.",
    "processes:theme:create": "{actor} a ajouté la thématique « {name} » à la démarche {process}.",
    "processes:theme:rename": "{actor} a renommé une thématique de la démarche {process}.",
}
UNDO_SENTENCE = "{actor} a annulé l'acte n° {original} ({original_label})."
REDO_SENTENCE = "{actor} a rétabli l'acte n° {original} ({original_label}), qui avait été annulé."

# Fields of before/after shown as changes; the others (ids, memberships, states) serve undo only.
FIELD_LABELS = {
    "title": "Titre",
    "text": "Texte",
    "priority": "Priorité",
    "status": "Statut",
    "status_reason": "Motif public du statut",
    "hidden": "Visibilité",
    "hidden_reason": "Motif du masquage",
    "role": "Rôle",
    "name": "Nom",
    "description": "Description",
    "question": "Question",
}
TEXT_FIELDS = {"title", "text", "status_reason", "hidden_reason", "name", "description", "question"}
_VALUE_LABELS: dict[str, str] = {
    member.value: member.label
    for enum in (ProposalPriority, ProposalStatus, Role, DuplicateStatus, SessionStatus, ImportStatus)
    for member in enum
}
_STATUS_LABELS = {member.value: member.label for member in ContributionStatus}
MAX_LISTED = 8


@dataclass(frozen=True)
class Change:
    label: str
    shown: Markup  # the difference, escaped


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def template_for(action: str) -> str | None:
    if action.endswith(UNDO_SUFFIX):
        return UNDO_SENTENCE
    if action.endswith(REDO_SUFFIX):
        return REDO_SENTENCE
    return SENTENCES.get(action)


def sentence(entry: AuditEntry, names: Any) -> Markup:
    """The act in one sentence; ``names`` (``journal.Names``) gives the objects' names."""
    template = template_for(entry.action)
    if template is None:  # an action from an older version of the code
        template = "{actor} : " + label_of(entry.action) + "."
    facts = Facts(entry, names)
    # Names come quoted (« Rencontre de Pessac »): each guillemet keeps its word on the same line.
    return french_spacing(Markup(template).format(**{name: facts.value(name) for name in placeholders(template)}))


def number_list(ids: list[int], singular: str, plural: str) -> str:
    """ "la contribution n° 12", "les contributions n° 12, 15 et 31", "les 45 contributions n° 12, … et 31"."""
    ids = [int(i) for i in ids]
    if not ids:
        return f"aucune {singular}"
    if len(ids) == 1:
        return f"la {singular} n° {ids[0]}"
    if len(ids) <= MAX_LISTED:
        return f"les {plural} n° {', '.join(map(str, ids[:-1]))} et {ids[-1]}"
    shown = ", ".join(map(str, ids[: MAX_LISTED - 1]))
    return f"les {len(ids)} {plural} n° {shown}, … et {ids[-1]}"


class Facts:
    """The values a sentence can name, read from one entry."""

    def __init__(self, entry: AuditEntry, names: Any):
        self.entry, self.names = entry, names
        self.before: dict = entry.before or {}
        self.after: dict = entry.after or {}

    def value(self, name: str) -> str:
        return getattr(self, f"_{name}")()

    def _actor(self) -> str:
        actor = self.entry.actor
        return actor.display_name if actor is not None else "La plateforme"

    def _target_id(self) -> str:
        return str(self.entry.target_id)

    def _contribution(self) -> str:
        return f"n° {self.entry.target_id}"

    _comment = _contribution

    def _commented(self) -> str:
        commented = self.after.get("contribution_id")
        return f"n° {commented}" if commented is not None else "?"

    def _contributions(self) -> str:
        ids = self.after.get("contribution_ids") or self.before.get("contribution_ids") or []
        return number_list(ids, "contribution", "contributions")

    def _kept(self) -> str:
        text = number_list(self.after.get("kept_ids") or [], "contribution", "contributions")
        return text[0].upper() + text[1:]

    def _moved(self) -> str:
        return count(len(self.after.get("contribution_ids") or []), "contribution déplacée", "contributions déplacées")

    def _proposal(self) -> str:
        return self.names.proposal(self.entry.target_id)

    def _into(self) -> str:
        return self.names.proposal(self.after.get("merged_into_id"))

    def _new_proposal(self) -> str:
        return self.names.proposal((self.after.get("new_proposal") or {}).get("id"))

    def _session(self) -> str:
        return self.names.session(self.entry.target_id)

    def _plaidoyer(self) -> str:
        return self.names.plaidoyer(self.entry.target_id)

    def _process(self) -> str:
        return self.names.process(self.names.process_id_of(self.entry))

    def _user(self) -> str:
        return self.names.user(self.entry.target_id)

    def _run(self) -> str:
        return str(self.after.get("run_id", "?"))

    def _open_reports(self) -> str:
        return count(int(self.after.get("open_reports") or 0), "signalement", "signalements")

    def _closed_reports(self) -> str:
        return count(int(self.after.get("reports_closed") or 0), "signalement", "signalements")

    def _old_name(self) -> str:
        """The name before the act: the moderators' previous name, else the computed one."""
        previous = (self.before.get("decisions") or [None])[0]
        if previous is not None:
            return f"« {self.names.decision_label(previous)} »"
        keys = self.after.get("keys") or []
        return ", ".join(self.names.cluster(self.after.get("run_id"), key, computed=True) for key in keys) or "?"

    def _new_name(self) -> str:
        return self.names.decision_label((self.after.get("decisions") or [None])[0])

    def _cluster_of(self, side: dict) -> str:
        keys = [key for key, _ in (side.get("memberships") or {}).values() if key]
        if not keys:
            return "« hors regroupement »"
        return ", ".join(self.names.cluster(self.after.get("run_id"), key) for key in dict.fromkeys(keys))

    def _from_cluster(self) -> str:
        return self._cluster_of(self.before)

    def _to_cluster(self) -> str:
        return self._cluster_of(self.after)

    def _groups_found(self) -> str:
        return count(int(self.after.get("n_groups") or 0), "groupe trouvé", "groupes trouvés")

    def _scope_size(self) -> str:
        return count(int(self.after.get("n_contributions") or 0), "contribution", "contributions")

    def _question(self) -> str:
        return str(self.after.get("question") or "")

    def _draft(self) -> str:
        return str(self.before.get("message_id", "?"))

    def _sentence(self) -> str:
        return str(self.after.get("sentence") or "")

    def _version_number(self) -> str:
        return str(self.after.get("number", "?"))

    def _file_format(self) -> str:
        return str(self.after.get("format", "?")).upper()

    def _hidden(self) -> str:
        return count(int(self.after.get("n_hidden") or 0), "contribution masquée", "contributions masquées")

    def _n_loaded(self) -> str:
        return count(int(self.after.get("n_loaded") or 0), "contribution", "contributions")

    def _n_cards(self) -> str:
        return count(int(self.after.get("n_cards") or 0), "carte de vote", "cartes de vote")

    def _name(self) -> str:
        return str(self.after.get("name") or "")

    def _original(self) -> str:
        return str(self.before.get("entry_id", "?"))

    def _original_label(self) -> str:
        action = self.entry.action.removesuffix(UNDO_SUFFIX).removesuffix(REDO_SUFFIX)
        label = label_of(action)
        return label[0].lower() + label[1:]


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _shown_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "hidden":
        return "masqué" if value else "visible"
    if isinstance(value, str):
        return _VALUE_LABELS.get(value, value)
    return str(value)


def changes(entry: AuditEntry) -> list[Change]:
    """The fields the act changed, in French, texts as word differences; never raw JSON."""
    before, after = entry.before or {}, entry.after or {}
    quoted = placeholders(template_for(entry.action) or "")
    found = []
    for field, label in FIELD_LABELS.items():
        if field not in before and field not in after:
            continue
        if field in quoted and field not in before:
            continue  # a value the sentence already quotes (« la question « … » ») is not repeated under it
        old, new = before.get(field), after.get(field)
        if (field in before and field in after and old == new) or not all(map(_is_plain, (old, new))):
            continue  # unchanged, or not a plain value (an engine's internal structure)
        if (field in before) != (field in after) and old in (None, "") and new in (None, ""):
            continue  # an empty value recorded on one side only says nothing
        if field in TEXT_FIELDS and isinstance(old, str) and isinstance(new, str):
            shown = highlight_differences(old, new)
        elif field in before and field in after:
            shown = Markup("{} → {}").format(_shown_value(field, old), _shown_value(field, new))
        else:
            shown = Markup("{}").format(_shown_value(field, new if field in after else old))
        found.append(Change(label, shown))
    statuses = before.get("statuses")
    if isinstance(statuses, dict) and statuses:
        shown_statuses = ", ".join(
            f"n° {id_} : {_STATUS_LABELS.get(status, status)}" for id_, status in list(statuses.items())[:MAX_LISTED]
        )
        found.append(Change("Statut des contributions avant l'acte", Markup("{}").format(shown_statuses)))
    return found
