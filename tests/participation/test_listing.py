"""The process page's listing: counts for the filters, sorting, staying at the results, readable
headlines for untitled contributions, searched words highlighted safely."""

import re
from types import SimpleNamespace

import pytest

from contrib.models.base import utcnow
from contrib.participation import comments, supports
from contrib.participation.display import below_headline, excerpt, first_sentence, highlight


def titles_in_order(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/contributions/\d+">([^<]*)</a></h3>', html)


class TestCount:
    def test_the_count_follows_the_filters(self, client, factory, app):
        process = factory.process()
        first, second = process.themes[0], process.themes[1]
        for n in range(3):
            factory.contribution(process, theme_id=first.id, text=f"Première thématique {n}")
        for n in range(2):
            factory.contribution(process, theme_id=second.id, kind="diagnostic", text=f"Seconde {n}")
        factory.contribution(process, theme_id=first.id, text="Masquée", hidden_at=utcnow())
        assert "<strong>5 contributions</strong>" in client.get(f"/demarches/{process.slug}").text
        html = client.get(f"/demarches/{process.slug}?thematique={first.id}").text
        assert "<strong>3 contributions</strong>" in html and f"thématique «&nbsp;{first.name}&nbsp;»" in html
        html = client.get(f"/demarches/{process.slug}?type=diagnostic").text
        assert "<strong>2 contributions</strong>" in html
        html = client.get(f"/demarches/{process.slug}?thematique={first.id}&type=diagnostic").text
        assert "<strong>0 contribution</strong>" in html and "Aucune contribution pour ces critères" in html

    def test_filters_bring_the_reader_back_to_the_results(self, client, factory):
        process = factory.process()
        factory.contribution(process)
        html = client.get(f"/demarches/{process.slug}").text
        assert f'action="/demarches/{process.slug}#resultats"' in html
        assert f'href="/demarches/{process.slug}?thematique={process.themes[0].id}#resultats"' in html
        assert 'id="resultats" role="status" tabindex="-1"' in html
        assert "js/results.js" in html  # moves the focus there


class TestSorting:
    def test_most_supported_first_counting_confirmed_accounts_only(self, client, factory):
        process = factory.process()
        quiet = factory.contribution(process, title="Deux soutiens non confirmés")
        liked = factory.contribution(process, title="Un soutien confirmé")
        factory.contribution(process, title="La plus récente")
        for _ in range(2):
            supports.support(quiet.id, user=factory.user(email_confirmed_at=None))
        supports.support(liked.id, user=factory.user())
        html = client.get(f"/demarches/{process.slug}?tri=soutenues").text
        assert titles_in_order(html) == ["Un soutien confirmé", "La plus récente", "Deux soutiens non confirmés"]
        # Control: the default order is newest first.
        assert titles_in_order(client.get(f"/demarches/{process.slug}").text)[0] == "La plus récente"

    def test_most_commented_first_counting_confirmed_accounts_only(self, client, factory):
        process = factory.process()
        chatty = factory.contribution(process, title="Deux commentaires non confirmés")
        discussed = factory.contribution(process, title="Un commentaire confirmé")
        factory.contribution(process, title="Sans commentaire")
        for _ in range(2):
            comments.post_comment(chatty.id, "Je ne suis pas confirmé.", author=factory.user(email_confirmed_at=None))
        comments.post_comment(discussed.id, "D'accord.", author=factory.user())
        html = client.get(f"/demarches/{process.slug}?tri=commentees").text
        expected = ["Un commentaire confirmé", "Sans commentaire", "Deux commentaires non confirmés"]
        assert titles_in_order(html) == expected
        assert "1 commentaire<span" in html

    def test_sorted_pages_are_numbered_and_keep_the_sort(self, client, factory, app):
        app.config["CONTRIBUTIONS_PER_PAGE"] = 2
        process = factory.process()
        for n in range(5):
            factory.contribution(process, title=f"Contribution {n}")
        html = client.get(f"/demarches/{process.slug}?tri=soutenues").text
        assert "Page 1 sur 3" in html and "<strong>5 contributions</strong>" in html
        assert f"/demarches/{process.slug}?page=2&amp;tri=soutenues#resultats" in html

    def test_search_results_can_be_sorted_too(self, client, factory):
        process = factory.process()
        first = factory.contribution(process, text="La certification Qualiopi coûte cher aux petits organismes.")
        second = factory.contribution(process, text="La certification des formateurs est mal reconnue.")
        supports.support(first.id, user=factory.user())
        html = client.get(f"/demarches/{process.slug}?q=certification&tri=soutenues").text
        assert html.index(f"n° {first.id} ") < html.index(f"n° {second.id} ")
        supports.support(second.id, user=factory.user())
        supports.support(second.id, user=factory.user())
        html = client.get(f"/demarches/{process.slug}?q=certification&tri=soutenues").text
        assert html.index(f"n° {second.id} ") < html.index(f"n° {first.id} ")

    def test_an_unknown_sort_falls_back_to_the_newest(self, client, factory):
        process = factory.process()
        factory.contribution(process, title="Seule")
        response = client.get(f"/demarches/{process.slug}?tri=%3Cscript%3E")
        assert response.status_code == 200 and titles_in_order(response.text) == ["Seule"]


class TestHeadline:
    def test_untitled_contribution_reads_as_its_first_sentence(self, client, factory):
        process = factory.process()
        factory.contribution(
            process,
            text="Les financements arrivent trop tard. Les organismes avancent la trésorerie pendant des mois.",
        )
        html = client.get(f"/demarches/{process.slug}").text
        assert titles_in_order(html) == ["Les financements arrivent trop tard."]

    def test_an_untitled_contribution_never_shows_its_first_words_twice(self):
        short = SimpleNamespace(title=None, text="Les financements arrivent trop tard. La trésorerie souffre.")
        assert below_headline(short) == "La trésorerie souffre."
        assert below_headline(SimpleNamespace(title=None, text="Une seule phrase.")) == ""
        long = SimpleNamespace(
            title=None, text="Les OF ont investi dans le distanciel pendant le Covid, puis " * 3 + "fin."
        )
        headline = first_sentence(long.text)
        rest = below_headline(long)
        assert headline.endswith("…") and rest.startswith("… ")
        assert " ".join(long.text.split()).startswith(headline[:-1] + " " + rest[2:12])  # continues where it was cut
        titled = SimpleNamespace(title="Distanciel", text=long.text)
        assert below_headline(titled).startswith("Les OF ont investi")  # control: a title, the text from its start

    def test_a_long_sentence_is_cut_at_a_word_boundary(self):
        text = "Il faudrait que les organismes de formation puissent " + "mutualiser " * 20 + "leurs moyens."
        headline = first_sentence(text)
        assert len(headline) <= 110 and headline.endswith("…")
        assert headline[:-1].split()[-1] in text.split()  # a whole word before the ellipsis
        assert first_sentence("Court et clair") == "Court et clair"  # control: nothing to cut


class TestHighlight:
    def test_matched_words_are_marked_and_user_text_is_escaped(self, client, factory):
        process = factory.process()
        # Written straight to the table: the form refuses tags, an import or an old row might not.
        factory.contribution(
            process, title="Certifications <b>chères</b>", text="Les <script>alert(1)</script> certifs"
        )
        html = client.get(f"/demarches/{process.slug}?q=certification").text
        assert "<mark>Certifications</mark> &lt;b&gt;chères&lt;/b&gt;" in html
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>" not in html

    def test_only_the_searched_words_are_marked_accents_ignored(self):
        marked = str(highlight("Les FORMATRICES & l'État financent", ("format", "etat")))
        assert marked == "Les <mark>FORMATRICES</mark> &amp; l&#39;<mark>État</mark> financent"
        assert str(highlight("a < b", ())) == "a &lt; b"  # control: no term, only escaping

    def test_the_excerpt_shows_the_part_with_the_searched_word(self):
        text = "Début sans intérêt. " * 30 + "Ici la certification coûte cher."
        shown = excerpt(text, ("certif",))
        assert shown.startswith("… ") and "certification" in shown and len(shown) <= 285
        assert excerpt(text).startswith("Début")  # control: no search, the start


@pytest.mark.parametrize("query", ["certifcation", "CERTIFICATION", "certificatión"])
def test_typos_and_accents_are_highlighted_too(client, factory, query):
    process = factory.process()
    factory.contribution(process, text="La certification Qualiopi épuise les équipes des petits organismes.")
    factory.contribution(process, text="Les financeurs tardent à payer les organismes de formation.")
    html = client.get(f"/demarches/{process.slug}", query_string={"q": query}).text
    assert "<mark>certification</mark>" in html


def test_the_search_box_caps_a_pasted_text_at_what_the_server_reads(client, factory):
    """A pasted page of text must not make a URL the server refuses (gunicorn answers 414 in English past
    4,094 bytes): the box takes 200 characters, what the page reads of ``q``."""
    process = factory.process()
    factory.contribution(process, text="La certification Qualiopi épuise les équipes des petits organismes.")
    page = client.get(f"/demarches/{process.slug}")
    assert re.search(r'<input id="recherche" name="q" type="search"[^>]* maxlength="200"', page.text)
    html = client.get(f"/demarches/{process.slug}", query_string={"q": "certification qualiopi " * 150}).text
    assert "<mark>certification</mark>" in html  # the first 200 characters are searched
    kept = re.search(r'<input id="recherche" name="q" type="search" value="([^"]*)"', html).group(1)
    assert 150 < len(kept) <= 200
