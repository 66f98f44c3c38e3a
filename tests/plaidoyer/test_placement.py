"""Proposals land in the section of their main theme, not of whichever theme is displayed first."""

from __future__ import annotations

from contrib.extensions import db
from contrib.models import ProposalStatus, Role
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import placement
from contrib.proposals import services as proposals

FUNDING_TEXTS = (
    "Les financements des OPCO arrivent trop tard pour les petites structures.",
    "Simplifier les dossiers de prise en charge du CPF.",
    "Un guichet unique régional pour financer les parcours longs.",
    "Les appels d'offres régionaux favorisent toujours les mêmes organismes.",
)


def _sections(document_id: int) -> list[tuple[str, list[int]]]:
    content = documents.document(documents.get(document_id))
    return [(section["title"], [p["id"] for p in section["proposals"]]) for section in content["sections"]]


def _drafted_from_a_cluster(factory, process, moderator, texts_by_theme, title):
    """A retained proposal drafted as the moderators' page does: its themes are those of every selected
    contribution (the form pre-ticks them all)."""
    contributions = [
        factory.contribution(process, theme_id=theme.id, text=text) for theme, texts in texts_by_theme for text in texts
    ]
    proposal = proposals.create_from_contributions(
        process.id,
        [contribution.id for contribution in contributions],
        title,
        "Un financement plus simple et plus rapide.",
        sorted({theme.id for theme, _ in texts_by_theme}),
        "high",
        moderator=moderator,
    )
    proposal.status = ProposalStatus.RETAINED
    db.session.commit()
    return proposal


def test_a_funding_proposal_with_one_partnership_source_lands_under_funding(factory):
    staff, moderator = factory.user(Role.STAFF), factory.user(Role.MODERATOR)
    process = factory.process(slug="lyon", title="Rencontre de Lyon", region="Auvergne-Rhône-Alpes")
    themes = {theme.name: theme for theme in process.themes}
    partnership, funding, quality = (
        themes["Partenariats/écosystème"],
        themes["Financements/priorisation"],
        themes["Évaluation/qualité"],
    )
    assert partnership.position < funding.position  # the order that put funding under partnerships
    money = _drafted_from_a_cluster(
        factory,
        process,
        moderator,
        [(partnership, ["Travailler avec les OPCO et la Région sur les financements."]), (funding, FUNDING_TEXTS)],
        "Des financements plus rapides",
    )
    # Control: a proposal mostly about partnerships stays there; a tie goes to the theme shown first.
    network = _drafted_from_a_cluster(
        factory,
        process,
        moderator,
        [(partnership, ["Un réseau d'entreprises partenaires.", "Des conventions avec les lycées."]), (funding, ["x"])],
        "Un réseau de partenaires",
    )
    tie = _drafted_from_a_cluster(
        factory, process, moderator, [(quality, ["Des avis d'apprenants."]), (funding, ["Un budget."])], "Égalité"
    )
    assert money.themes[0].name == "Partenariats/écosystème"

    document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
    placement.add_from_process(document.id, process.id, actor=staff)

    assert sorted(_sections(document.id)) == sorted(
        [
            ("Financements/priorisation", [money.id]),
            ("Partenariats/écosystème", [network.id]),
            ("Évaluation/qualité", [tie.id]),
        ]
    )

    # One proposal added on its own goes to the same section as the batch would put it.
    placement.remove_proposal(document.id, money.id, actor=staff)
    section = placement.add_proposal(document.id, money.id, actor=staff)
    assert section.title == "Financements/priorisation"
