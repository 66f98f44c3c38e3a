"""Theme clustering: edge cases, labels, constraints, stable keys, determinism (hypothesis)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.clustering import Constraints, ThemeClusterer, cluster_contributions
from nlp.stability import co_assignment_stability, match_clusters
from tests.conftest import shared_data

BIKE = [
    "pistes cyclables sécurisées en ville",
    "plus de pistes cyclables pour les vélos",
    "vélo et pistes cyclables partout",
    "garages à vélos sécurisés près des gares",
]
TAX = [
    "baisser les impôts sur le revenu",
    "un impôt sur le revenu plus juste",
    "impôts trop élevés pour les classes moyennes",
    "supprimer les niches fiscales et baisser l'impôt",
]
TEXTS = BIKE + TAX
IDS = list(range(1, 9))


def _groups(result):
    return sorted(sorted(c.ids) for c in result.clusters)


def test_two_clear_topics_are_separated_with_real_word_labels():
    result = cluster_contributions(IDS, TEXTS, n_clusters=2, themes=["Mobilité"] * 4 + ["Fiscalité"] * 4)
    assert _groups(result) == [[1, 2, 3, 4], [5, 6, 7, 8]]
    labels = {c.theme_mix[0][0]: c.top_terms for c in result.clusters}
    assert "cyclables" in labels["Mobilité"] and "impôts" in labels["Fiscalité"] + ("impôt",)
    assert all(len(c.representative_ids) == 3 for c in result.clusters)


def test_every_id_is_assigned_exactly_once():
    result = cluster_contributions(IDS, TEXTS)
    clustered = [i for c in result.clusters for i in c.ids] + list(result.outliers)
    assert sorted(clustered) == IDS and set(result.assignment) == set(IDS)


@pytest.mark.parametrize(
    ("ids", "texts"),
    [
        ([], []),
        ([1], ["une seule contribution"]),
        ([1, 2], ["vélo en ville", "impôt juste"]),
        ([1, 2, 3], ["même texte"] * 3),
        ([1, 2], ["", "😀"]),
    ],
)
def test_degenerate_inputs_give_a_complete_assignment(ids, texts):
    result = cluster_contributions(ids, texts)
    assert sorted(result.assignment) == ids


def test_empty_texts_go_to_the_outlier_bucket():
    result = cluster_contributions([*IDS, 9], [*TEXTS, "🙂🙂"], n_clusters=2)
    assert result.assignment[9] is None and 9 in result.outliers


def test_automatic_k_reports_the_silhouette_of_each_k_tried():
    result = cluster_contributions(IDS, TEXTS)
    assert result.k_scores and all(2 <= k <= 7 for k, _ in result.k_scores)
    assert 2 <= result.n_clusters <= 7 and result.n_clusters in {k for k, _ in result.k_scores}
    assert not result.outliers, "no empty text here: every contribution is clustered"


def test_silhouette_criterion_picks_the_best_silhouette():
    from nlp.clustering import ThemeClusterer

    result = ThemeClusterer(k_criterion="silhouette").fit_predict(IDS, TEXTS)
    assert not result.outliers
    assert result.n_clusters == max(result.k_scores, key=lambda ks: (ks[1], -ks[0]))[0]


def test_knee_of_inertia_is_the_elbow():
    from nlp.clustering.centres import knee as _knee

    assert _knee([2, 3, 4, 5, 6, 7], [100.0, 60.0, 30.0, 27.0, 25.0, 24.0]) == 4
    assert _knee([2, 3, 4], [5.0, 5.0, 5.0]) == 2


def test_constraints_are_respected():
    constraints = Constraints(pinned={1: "velo"}, excluded=frozenset({8}), must_link=((2, 5),), cannot_link=((3, 4),))
    result = cluster_contributions(IDS, TEXTS, n_clusters=2, constraints=constraints)
    assert result.assignment[1] == "velo" and 8 not in result.assignment and result.excluded == (8,)
    assert result.assignment[2] == result.assignment[5]
    assert result.assignment[3] is None or result.assignment[3] != result.assignment[4]


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        (Constraints(must_link=((1, 2),), cannot_link=((1, 2),)), "together"),
        (Constraints(pinned={1: "a", 2: "b"}, must_link=((1, 2),)), "pinned to different clusters"),
        (Constraints(pinned={1: "a", 2: "a"}, cannot_link=((1, 2),)), "both pinned"),
        (Constraints(excluded=frozenset({99})), "unknown id"),
        (Constraints(must_link=((1, 1),)), "two different ids"),
    ],
)
def test_contradictory_constraints_are_refused(constraints, message):
    with pytest.raises(ValueError, match=message):
        cluster_contributions(IDS, TEXTS, n_clusters=2, constraints=constraints)


def test_previous_run_keeps_cluster_keys():
    first = cluster_contributions(IDS, TEXTS, n_clusters=2)
    previous = {i: first.assignment[i] for i in IDS}
    renamed = {i: {"c1": "c7", "c2": "c9"}.get(k, k) for i, k in previous.items()}
    second = cluster_contributions([*IDS, 9], [*TEXTS, "des pistes cyclables"], previous=renamed)
    assert {c.key for c in second.clusters} == {"c7", "c9"}
    assert co_assignment_stability(renamed, second.assignment) == 1.0
    assert second.assignment[9] == second.assignment[1]


def test_stability_and_matching_helpers():
    assert co_assignment_stability({1: "a", 2: "a", 3: "b"}, {1: "x", 2: "y", 3: "y"}) == 0.0
    assert match_clusters({1: "a", 2: "a", 3: "b"}, {1: 0, 2: 0, 3: 1}) == {0: "a", 1: "b"}


def test_same_input_twice_gives_the_same_result():
    assert cluster_contributions(IDS, TEXTS) == cluster_contributions(IDS, TEXTS)


WORDS = ["vélo", "impôt", "école", "santé", "retraite", "climat", "train", "TVA", "médecin", "élu"]
texts_strategy = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=5).map(" ".join), min_size=1, max_size=25
)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(texts=texts_strategy, data=st.data())
def test_property_constraints_always_hold_and_runs_are_deterministic(texts, data):
    ids = list(range(len(texts)))
    pick = st.sampled_from(ids)
    must = tuple(data.draw(st.lists(st.tuples(pick, pick).filter(lambda p: p[0] != p[1]), max_size=2)))
    cannot = tuple(
        p
        for p in data.draw(st.lists(st.tuples(pick, pick).filter(lambda p: p[0] != p[1]), max_size=2))
        if p not in must
    )
    pinned = dict.fromkeys(data.draw(st.lists(pick, max_size=1)), "fixe")
    constraints = Constraints(
        pinned=pinned, excluded=frozenset(data.draw(st.lists(pick, max_size=2))), must_link=must, cannot_link=cannot
    )
    try:
        result = cluster_contributions(ids, texts, constraints=constraints)
    except ValueError:
        return  # contradictory draw (e.g. cannot-link inside a must-link chain), refused up front
    assert result == cluster_contributions(ids, texts, constraints=constraints)
    kept = [i for i in ids if i not in constraints.excluded]
    assert sorted(result.assignment) == kept
    assert sorted([i for c in result.clusters for i in c.ids] + list(result.outliers)) == kept
    for i, key in pinned.items():
        assert i in constraints.excluded or result.assignment[i] == key
    for a, b in must:
        if a in result.assignment and b in result.assignment:
            assert result.assignment[a] == result.assignment[b]
    for a, b in cannot:
        if a in result.assignment and b in result.assignment and result.assignment[a] is not None:
            assert result.assignment[a] != result.assignment[b]


def test_coordinates_map_every_clustered_id_into_the_unit_square():
    constraints = Constraints(excluded=frozenset({8}))
    result = cluster_contributions([*IDS, 9], [*TEXTS, "🙂"], n_clusters=2, constraints=constraints)
    assert set(result.coordinates) == set(result.assignment)
    xs, ys = zip(*result.coordinates.values())
    assert min(xs) == 0.0 and max(xs) == 1.0 and all(0.0 <= y <= 1.0 for y in ys)
    bike, tax = [result.coordinates[i][0] for i in (1, 2, 3)], [result.coordinates[i][0] for i in (5, 6, 7)]
    assert max(bike) < min(tax) or max(tax) < min(bike)  # the first axis separates the two topics
    assert cluster_contributions([1], ["seul"]).coordinates == {1: (0.5, 0.5)}
    assert cluster_contributions([], []).coordinates == {}


def test_fit_rows_are_distinct_texts_in_an_order_independent_of_the_others():
    from nlp.clustering.features import distinct_rows as _fit_rows
    from nlp.text import FrenchVectorizer

    texts = TEXTS + [TAX[0]] * 5 + ["", "🙂"]
    rows = _fit_rows(FrenchVectorizer().fit_transform(texts), texts, 0)
    assert sorted(texts[r] for r in rows) == sorted(TEXTS)  # one row per distinct text, no empty one
    more = [*texts, "des trains de nuit", "le train de nuit pour voyager"]
    rows_more = _fit_rows(FrenchVectorizer().fit_transform(more), more, 0)
    old_order = [texts[r] for r in rows]
    assert [more[r] for r in rows_more if more[r] in old_order] == old_order


def test_a_rerun_keeps_contributions_in_their_cluster_for_marginal_differences():
    first = cluster_contributions(IDS, TEXTS, n_clusters=2)
    swapped = dict(first.assignment)
    a, b = first.assignment[1], first.assignment[5]
    swapped[2] = b  # one bike text recorded in the tax cluster
    sticky = ThemeClusterer(keep_margin=2.0).fit_predict(IDS, TEXTS, previous=swapped)
    free = ThemeClusterer(keep_margin=0.0).fit_predict(IDS, TEXTS, previous=swapped)
    assert sticky.assignment == swapped
    assert free.assignment[2] == a


def test_results_do_not_depend_on_the_process_hash_seed():
    """Token and feature order come from first occurrence, never from set order (hash seed)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = shared_data("dev_republique_numerique.csv")
    script = (
        "import hashlib, warnings; warnings.filterwarnings('ignore');"
        "from nlp.evaluate import load_dataset; from nlp.clustering import cluster_contributions;"
        f"d = load_dataset({str(path)!r}, sample=300);"
        "r = cluster_contributions(d.ids, d.texts, n_clusters=8);"
        "state = (r.clusters, sorted(r.assignment.items(), key=str), sorted(r.coordinates.items()));"
        "print(hashlib.md5(repr(state).encode()).hexdigest())"
    )
    root = Path(__file__).resolve().parents[2]
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


# --- meaning and names (issue 17) ------------------------------------------------------------

FUNDING = [
    "Le financement du temps de préparation des formateurs est insuffisant.",
    "Il faudrait revoir le financement du temps de préparation des formateurs par les OPCO.",
    "Sans financement du temps de préparation des formateurs, la qualité baisse.",
    "Le financement du temps de préparation des formateurs doit être pris en charge.",
    "Oui, évidemment, le financement du temps de préparation des formateurs compte pour l'avenir.",
    "Les OPCO ne couvrent pas le financement du temps de préparation des formateurs.",
]
SIGNUP = [
    "L'inscription des stagiaires en ligne est trop compliquée.",
    "Pour passer l'inscription des stagiaires il faut trois formulaires.",
    "Simplifier l'inscription des stagiaires sur la plateforme.",
    "L'inscription des stagiaires devrait se faire en une seule étape.",
    "Les stagiaires abandonnent à cause de l'inscription des stagiaires en ligne.",
    "Faciliter l'inscription des stagiaires handicapés.",
]
CYCLING = [
    "Créer des pistes cyclables sécurisées dans les villes moyennes.",
    "Les pistes cyclables sécurisées manquent près des gares.",
    "Plus de pistes cyclables sécurisées pour aller travailler à vélo.",
    "Financer des pistes cyclables sécurisées entre les villages.",
    "Des pistes cyclables sécurisées autour des écoles.",
    "On veut passer au vélo mais les pistes cyclables sécurisées manquent.",
]
THEMED = FUNDING + SIGNUP + CYCLING
LINK_WORDS = {"de", "du", "des", "d", "la", "le", "les", "l", "à", "au", "aux", "sur"}
THEMED_IDS = list(range(100, 100 + len(THEMED)))


def _words(label):
    import re

    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", label)


def test_clusters_are_named_by_a_noun_phrase_with_keywords_apart():
    from nlp.naming import _is_participle, _lexicon, is_filler

    result = cluster_contributions(THEMED_IDS, THEMED, n_clusters=3)
    assert _groups(result) == [THEMED_IDS[:6], THEMED_IDS[6:12], THEMED_IDS[12:]]
    names = [c.label for c in result.clusters]
    by_theme = {min(c.ids): c for c in result.clusters}
    assert by_theme[100].label == "Financement du temps de préparation des formateurs"
    assert by_theme[106].label == "Inscription des stagiaires"
    assert by_theme[112].label == "Pistes cyclables sécurisées"
    verbs, _ = _lexicon()
    for cluster in result.clusters:
        words = _words(cluster.label)
        assert "," not in cluster.label and cluster.label[0].isupper() and len(words) <= 7, names
        content = [w for w in words if w.lower() not in LINK_WORDS]
        # « passer », « faut »... never; a past participle after the noun is an adjective (« sécurisées »).
        assert not any(w.lower() in verbs and not _is_participle(w) for w in content), cluster.label
        assert not is_filler(words[0]), cluster.label  # « oui », « évidemment »... never
        assert cluster.top_terms and cluster.label not in cluster.top_terms  # keywords: a separate field
        assert not any(is_filler(w) for w in cluster.top_terms), cluster.top_terms
    # Control: the words the names avoid are in the texts, and the filler test does catch them.
    assert all(is_filler(w) for w in ("oui", "évidemment")) and {"passer", "faut"} <= verbs


def test_names_keep_nouns_that_look_like_verbs_and_drop_real_verbs():
    from nlp.naming import name_clusters

    texts = [
        "Le pouvoir d'achat des retraités baisse.",
        "Défendre le pouvoir d'achat des retraités.",
        "Il faut préserver le pouvoir d'achat des retraités.",
    ]
    assert name_clusters([texts]) == ["Pouvoir d'achat des retraités"]
    assert name_clusters([["Il faut passer vite.", "Passer, encore passer."]]) == [""]


def test_keywords_drop_verbs_and_web_addresses_but_keep_nouns_spelt_like_verbs():
    from nlp.naming import _lexicon, keywords

    texts = [
        "Il semble utile de payer une visite médicale par an (https://www.ameli.fr).",
        "La visite médicale montre vite le problème, il faudra la payer.",
    ]
    words = ["visite", "semble", "montre", "payer", "https", "www", "médicale", "hors"]
    assert keywords(words, texts) == ["visite", "médicale"]
    # Control: « visite » is a verb form too; only its use after a determiner (« une visite ») keeps it.
    assert {"visite", "semble", "montre", "payer"} <= _lexicon()[0]
    assert keywords(["visite", "médicale"], ["Il visite la ville, la visite médicale attendra."]) == ["médicale"]


def test_a_name_extends_to_the_left_when_the_longer_phrase_is_common():
    from nlp.naming import name_clusters

    texts = [
        "Le droit d'auteur protège mal les artistes.",
        "Réformer le droit d'auteur pour les œuvres en ligne.",
        "L'auteur d'une œuvre doit être payé.",
        "Un droit d'auteur plus court.",
    ]
    others = ["La fibre optique arrive trop lentement.", "Des cabines téléphoniques dans les villages."]
    assert name_clusters([texts, others])[0] == "Droit d'auteur"


def test_stored_vectors_give_the_same_result_as_computed_ones():
    from nlp.embeddings import embed

    vectors = embed(THEMED)
    assert cluster_contributions(THEMED_IDS, THEMED, n_clusters=3, vectors=vectors) == cluster_contributions(
        THEMED_IDS, THEMED, n_clusters=3
    )
    with pytest.raises(ValueError, match="one row per text"):
        cluster_contributions(THEMED_IDS, THEMED, n_clusters=3, vectors=vectors[:-1])
    with pytest.raises(ValueError, match="NaN"):
        cluster_contributions(THEMED_IDS, THEMED, n_clusters=3, vectors=vectors * float("nan"))


def test_meaning_groups_texts_that_share_no_words():
    """Reworded texts about taxes vs transport share no content word: only the sentence vectors group them."""
    taxes = [
        "Les impôts sont trop élevés.",
        "La fiscalité pèse sur les ménages.",
        "Baisser la TVA sur l'alimentation.",
        "Une taxe foncière plus juste.",
        "Réduire les prélèvements obligatoires.",
        "Supprimer la CSG des retraités.",
    ]
    transport = [
        "Des bus gratuits en banlieue.",
        "Plus de trains régionaux.",
        "Développer le covoiturage rural.",
        "Un métro jusqu'aux quartiers.",
        "Des tramways dans les villes moyennes.",
        "Relancer les lignes ferroviaires.",
    ]
    ids = list(range(12))
    semantic = ThemeClusterer(2).fit_predict(ids, taxes + transport)
    lexical = ThemeClusterer(2, semantic_weight=0.0).fit_predict(ids, taxes + transport)
    assert _groups(semantic) == [list(range(6)), list(range(6, 12))]
    assert _groups(lexical) != [list(range(6)), list(range(6, 12))]  # control: words alone fail here


def test_cluster_names_and_synthesis_headings_read_nouns_after_the_same_determiners():
    """One determiner list: a noun after « quelques » / « aucun » starts a phrase for both readers."""
    from nlp._phrases import noun_phrases
    from nlp.naming import name_clusters
    from nlp.stopwords import DETERMINERS

    texts = ["Quelques formateurs motivés partent.", "Aucun formateur ne reste.", "Quelques formateurs restent."]
    assert "formateurs" in noun_phrases(texts)
    assert name_clusters([texts]) == ["Formateurs"]
    # Control: without a determiner before it, the same word is not read as a phrase's noun.
    assert "formateurs" not in noun_phrases(["Formateurs partent vite."])
    assert {"quelques", "aucun", "tous"} <= DETERMINERS
