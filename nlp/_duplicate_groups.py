"""Duplicate groups as stars: every member is checked against the group's representative.

Union-find over verified pairs chains: a campaign's composites (A + B, B + C, C + D…) each look
like a copy of the next, and the chain groups texts that share nothing. Here a group has a centre
(its representative) and a link to it is required of every member; two groups merge only when
the members of one link to the other's centre (the centre needing the fewest checks stays, the
earlier one on a tie, so an original met before its copies is shown first). A group's score is its
weakest link to the centre.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nlp.stance import Stance, opposite, stance

REASON_RANK = {"exact": 0, "near": 1, "paraphrase": 2, "semantic": 3}

Link = tuple[float, str]
#: ``link(row, centre)``: the verified (score, reason) of two distinct texts, or None.
LinkCheck = Callable[[int, int], Link | None]

#: A merge that would check more members than this against a centre is refused: copies of one text
#: join a group one by one (one check each); two large groups that meet are a campaign, not a copy.
MAX_CHECKS = 16


class StarMerger:
    """Groups of rows with a centre each, refusing merges that join a dismissed pair or (when asked)
    two groups holding opposite stances (meaning links are checked against every member)."""

    def __init__(self, n: int, forbidden: list[tuple[int, int]], texts: Sequence[str]):
        self.parent = list(range(n))
        self.size = [1] * n
        self.centre: dict[int, int] = {}  # root -> centre row, where it is not the root itself
        self.distinct: dict[int, list[int]] = {}  # root -> its rows of distinct texts (exact copies left out)
        self.partners: dict[int, set[int]] = {}
        for a, b in forbidden:
            self.partners.setdefault(a, set()).add(b)
            self.partners.setdefault(b, set()).add(a)
        self.members = {i: [i] for i in self.partners}  # only tracked where a forbidden pair may cross
        self.weakest: dict[int, Link] = {}
        # Distinct stances of a group (a handful), computed only for groups a meaning link reaches
        # (a stance costs ~0.1 ms: a million of them would cost minutes); then every member counts.
        self.texts = texts
        self.stances: dict[int, frozenset[Stance]] = {}
        self.rows_of: dict[int, list[int]] | None = None  # every group's rows, once meaning links start

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def same(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def centre_of(self, root: int) -> int:
        return self.centre.get(root, root)

    def merge_exact(self, first: int, copy: int) -> bool:
        """Join an identical text to the group of the first row with its text (no check: it is the same text)."""
        ra, rb = self.find(first), self.find(copy)
        if ra == rb or self._crosses_dismissed(ra, rb):
            return False
        self._join(ra, rb, self.centre_of(ra), [(1.0, "exact")])
        return True

    def merge(
        self, a: int, b: int, link: LinkCheck, *, max_size: int | None = None, check_stance: bool = False
    ) -> bool:
        """Join the groups of candidate pair (a, b) when every member of one links to the other's centre."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if max_size is not None and self.size[ra] + self.size[rb] > max_size:
            return False
        if self._crosses_dismissed(ra, rb):
            return False
        ca, cb = self.centre_of(ra), self.centre_of(rb)
        between = link(ca, cb)  # needed whichever centre stays: cheap refusal first
        if between is None:
            return False
        if check_stance and any(opposite(x, y) for x in self._stances(ra) for y in self._stances(rb)):
            return False
        # The centre whose joiners need the fewest checks, the earlier one on a tie.
        options = sorted([(ra, rb, ca, cb), (rb, ra, cb, ca)], key=lambda o: (len(self._rows(o[1])), o[2]))
        for keep, joining, centre, other_centre in options:
            rows = self._rows(joining)
            if len(rows) > MAX_CHECKS:
                continue
            links = [between]
            for row in rows:
                if row != other_centre:
                    found = link(row, centre)
                    if found is None:
                        break
                    links.append(found)
            else:
                self._join(keep, joining, centre, links)
                return True
        return False

    def _rows(self, root: int) -> list[int]:
        return self.distinct.get(root, [root])

    def _crosses_dismissed(self, ra: int, rb: int) -> bool:
        watched_a, watched_b = self.members.get(ra, []), self.members.get(rb, [])
        return bool(
            watched_a and watched_b and any(self.partners[x] & set(watched_b) for x in watched_a if x in self.partners)
        )

    def _join(self, keep: int, joining: int, centre: int, links: list[Link]) -> None:
        """Make ``keep``'s group hold ``joining``'s, around ``centre`` (the root stays the larger tree's)."""
        ra, rb = (keep, joining) if self.size[keep] >= self.size[joining] else (joining, keep)
        exact = links[0][1] == "exact"  # an identical text: no new distinct text to check later
        distinct = self.distinct.pop(keep, None) or [keep]  # extended in place: a campaign grows one by one
        if not exact:
            distinct.extend(self._rows(joining))
        # The links of the joining group were to its former centre: only the kept group's still count.
        candidates = links + ([self.weakest[keep]] if keep in self.weakest else [])
        for root in (ra, rb):
            self.centre.pop(root, None)
            self.distinct.pop(root, None)
            self.weakest.pop(root, None)
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if centre != ra:
            self.centre[ra] = centre
        self.distinct[ra] = distinct
        low = min(candidates, key=lambda sr: (sr[0], -REASON_RANK[sr[1]]))
        self.weakest[ra] = (low[0], max((sr[1] for sr in candidates), key=REASON_RANK.__getitem__))
        known_a, known_b = self.stances.pop(ra, None), self.stances.pop(rb, None)
        if known_a is not None and known_b is not None:
            self.stances[ra] = known_a | known_b
        if self.rows_of is not None:
            self.rows_of[ra] = self.rows_of.pop(ra, [ra]) + self.rows_of.pop(rb, [rb])
        watched_a, watched_b = self.members.pop(ra, []), self.members.pop(rb, [])
        if watched_a or watched_b:
            self.members[ra] = watched_a + watched_b

    def _stances(self, root: int) -> frozenset[Stance]:
        if root not in self.stances:
            if self.rows_of is None:
                self.rows_of = {}
                for i in range(len(self.parent)):
                    found = self.find(i)
                    if found != i:
                        self.rows_of.setdefault(found, [found]).append(i)
            self.stances[root] = frozenset(stance(self.texts[i]) for i in self.rows_of.get(root, [root]))
        return self.stances[root]

    def components(self) -> list[tuple[list[int], int, float, str]]:
        """Each group of two rows or more: its rows (input order), its centre, weakest score and reason."""
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return [(rows, self.centre_of(root), *self.weakest[root]) for root, rows in groups.items() if len(rows) > 1]
