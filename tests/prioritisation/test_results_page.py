"""Public results: chart labels and values never cut, the ranking in plain French, what was retained and where."""

from __future__ import annotations

import re

from contrib.models import Role
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from contrib.prioritisation import proposal_life
from contrib.prioritisation.charts import LABEL_LINE_CHARACTERS, VIEW_WIDTH, bar_chart, value_width
from contrib.proposals import services as proposals

LONG_TITLE = (
    "Créer un fonds régional mutualisé pour financer la formation continue des formateurs "
    "indépendants et des petits organismes"
)


def test_no_label_or_value_is_cut():
    rows = [(LONG_TITLE, 64.0, "64 % · 38 soutiens"), ("Court", 60.0, "60 % · 30 soutiens"), ("Peu", 3.0, "3 %")]
    chart = bar_chart("c", "Titre", rows)
    for bar, (label, _, display) in zip(chart.bars, rows, strict=True):
        assert " ".join(bar.label_lines) == label  # every word kept, wrapped rather than cut
        assert all(len(line) <= LABEL_LINE_CHARACTERS for line in bar.label_lines)
        if bar.value_inside:
            assert value_width(display) <= bar.width - 2 * 6
        else:
            assert bar.value_x + value_width(display) <= VIEW_WIDTH
        assert bar.bar_y >= bar.label_y + (len(bar.label_lines) - 1) * bar.line_height
    assert chart.bars[0].value_inside and not chart.bars[2].value_inside
    assert len(chart.bars[0].label_lines) == 3
    # Bars never overlap the next label, and the chart is tall enough for them all.
    for above, below in zip(chart.bars, chart.bars[1:], strict=False):
        assert below.label_y - 12 > above.bar_y + 16
    assert chart.height >= chart.bars[-1].bar_y + 16


def test_results_explain_the_ranking_and_list_what_was_retained(app, client, factory):
    process = factory.process(slug="bordeaux")
    moderator, staff = factory.user(Role.MODERATOR), factory.user(Role.STAFF)

    def proposal(title):
        return proposals.create_from_contributions(
            process.id,
            [factory.contribution(process, text=f"Texte de {title}").id],
            title,
            "Texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )

    titles = (LONG_TITLE, "Un guichet « unique » & simple", "Écartée", "À voir")
    kept, other, dropped, _pending = (proposal(title) for title in titles)
    proposal_life.set_status(kept.id, "retained", "Soutenue dans trois régions.", moderator=moderator)
    proposal_life.set_status(other.id, "retained", "", moderator=moderator)
    proposal_life.set_status(dropped.id, "discarded", "Déjà couvert par la loi.", moderator=moderator)
    document = plaidoyer_acts.create("Plaidoyer national 2027", actor=staff)
    placement.add_proposal(document.id, kept.id, actor=staff)

    html = client.get(f"/demarches/{process.slug}/resultats").text
    assert "Borne basse" not in html and "borne basse" not in html
    assert "dont on est sûr à 95 chances sur 100" in html
    retained = html[html.index("Ce qui a été retenu") : html.index("Propositions les mieux classées")]
    assert LONG_TITLE in retained and "Soutenue dans trois régions." in retained
    # No-break spaces inside the guillemets: a « » never ends up alone at the start of a line.
    assert re.search(
        r"Portée dans le plaidoyer «&nbsp;Plaidoyer national 2027&nbsp;», partie «&nbsp;[^»]+&nbsp;»", retained
    )
    assert "Un guichet « unique » &amp; simple" in retained and "Pas encore placée dans un plaidoyer." in retained
    assert "À voir" not in retained  # still under review: not a decision
    assert "1 proposition écartée, et pourquoi" in retained and "Déjà couvert par la loi." in retained
    assert retained.count('<span class="tag">Retenue</span>') == 2
    # The top chart's label is whole (wrapped into tspans) and each value is written in full, as in its table.
    figure = html[html.index('<figure class="chart" aria-labelledby="propositions-titre">') :].split("</figure>")[0]
    svg, table = figure.split("</svg>")
    assert "petits organismes</tspan>" in svg and "…" not in svg
    values = re.findall(r'class="bar-value[^"]*"[^>]*>([^<]+)</text>', svg)
    assert values and values == re.findall(r"</th><td data-label=\"[^\"]+\">([^<]+)</td>", table)
    assert all(" · " in value and "soutien" in value for value in values)
