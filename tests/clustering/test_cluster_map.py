"""The clusters' map: one circle per cluster, never on top of another; the cluster page in pages."""

import math
import re

import pytest

from contrib.clustering import map_layout
from contrib.clustering import services as clustering
from contrib.clustering.browsing import MEMBERS_PER_PAGE
from contrib.demo import EVENT_SLUG, load_demo
from contrib.extensions import db
from contrib.models import Process, Role


def _overlapping_pairs(circles) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(circles)
        for j, b in enumerate(circles)
        if i < j and math.hypot(a.cx - b.cx, a.cy - b.cy) < a.r + b.r
    ]


def test_circles_at_the_same_place_are_pushed_apart_deterministically():
    centres, sizes = [(0.5, 0.5)] * 5 + [(0.0, 0.0)], [40, 30, 20, 10, 5, 45]
    circles = map_layout.layout(centres, sizes, 600)
    assert _overlapping_pairs(circles) == []
    assert all(c.r <= c.cx <= 600 - c.r and c.r <= c.cy <= 600 - c.r for c in circles), "inside the map"
    assert circles == map_layout.layout(centres, sizes, 600), "same input, same picture"
    assert circles[0].r > circles[4].r, "area follows the size"


def test_a_crowded_map_shrinks_its_circles_until_none_overlap():
    circles = map_layout.layout([(0.5, 0.5)] * 40, [100] * 40, 600)
    assert _overlapping_pairs(circles) == []


@pytest.fixture
def demo_run(app, factory):
    load_demo()
    process = db.session.scalar(db.select(Process).where(Process.slug == EVENT_SLUG))
    moderator = factory.user(Role.MODERATOR)
    run = clustering.launch_run(process.id, actor=moderator, n_clusters=6)
    clustering.execute_run(run.id)
    db.session.expire_all()
    return process, clustering.get_run(process.id, run.id), moderator


def test_no_two_clusters_overlap_on_the_map_of_a_real_run(demo_run, client, auth):
    process, run, moderator = demo_run
    legend, n_placed = clustering.map_view(run)
    drawn = [entry for entry in legend if entry.circle]
    assert len(drawn) == 6 and n_placed >= 100
    # Control: circles of the same sizes at the clusters' own centres do overlap on this corpus.
    raw = [
        map_layout.Circle(
            e.circle.r + e.centre[0] * (600 - 2 * e.circle.r),
            e.circle.r + e.centre[1] * (600 - 2 * e.circle.r),
            e.circle.r,
        )
        for e in drawn
    ]
    assert _overlapping_pairs(raw), "the demo's clusters sit on top of each other without the layout"
    assert _overlapping_pairs([e.circle for e in drawn]) == []
    # The page draws exactly those circles.
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/regroupements/{run.id}").text
    page = page[page.index('<figure class="cluster-map">') : page.index("</figure>")]
    circles = [
        tuple(map(float, found))
        for found in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" fill=', page)
    ]
    assert len(circles) == 6
    assert _overlapping_pairs([map_layout.Circle(*c) for c in circles]) == []


def test_cluster_page_shows_its_members_in_pages(demo_run, client, auth):
    process, run, moderator = demo_run
    biggest = clustering.run_clusters(run)[0].cluster
    assert biggest.size > MEMBERS_PER_PAGE
    auth.login(moderator)
    base = f"/moderation/demarches/{process.slug}/regroupements/{run.id}/groupes/{biggest.key}"
    first, second = client.get(base).text, client.get(base + "?page=2").text
    shown_first = re.findall(r'<li class="cluster-member">\s*<div class="member-text">.*?n° (\d+)</a>', first, re.S)
    shown_second = re.findall(r'<li class="cluster-member">\s*<div class="member-text">.*?n° (\d+)</a>', second, re.S)
    assert len(shown_first) == MEMBERS_PER_PAGE and shown_second
    assert not set(shown_first) & set(shown_second)
    assert "page 1 sur" in first and 'rel="next"' in first
    # The proposal link offers every member, not only this page's.
    link = re.search(r"propositions/nouvelle\?proposees=([0-9%C,]+)", first).group(1).replace("%2C", ",")
    assert len(link.split(",")) == biggest.size
    for bad in ("?page=99", "?page=0", "?page=abc"):
        response = client.get(base + bad)
        assert response.status_code == 404 and "page" in response.text


def test_the_journal_tells_a_rename_with_the_old_and_the_new_name(demo_run, client, auth):
    process, run, moderator = demo_run
    cluster = clustering.run_clusters(run)[0].cluster
    clustering.rename_cluster(process.id, run.id, cluster.key, "Audits et certification", actor=moderator)
    clustering.rename_cluster(process.id, run.id, cluster.key, "Audits", actor=moderator)
    auth.login(moderator)
    page = client.get("/moderation/journal").text
    name = moderator.display_name
    nb = "\u00a0"  # guillemets keep their words (usability pass 5)
    assert f"{name} a renommé le regroupement «{nb}{cluster.label}{nb}» en «{nb}Audits et certification{nb}»." in page
    assert f"{name} a renommé le regroupement «{nb}Audits et certification{nb}» en «{nb}Audits{nb}»." in page
