"""Who the consultation reaches: coarse self-described attributes, counted safely.

Commissioners ask whether services reach all groups (ages, rural and urban,
ethnic groups). Each participant may describe themselves, coarsely and only if
they wish; a reach view counts people per category beside a reference
population the facilitator enters (the district's census shares, say).

Small numbers identify people, so every count from 1 to 4 shows as "<5"
(primary suppression), and further cells are hidden (secondary suppression)
until no combination of shown cells and totals (row, column, grand) can work
a hidden one out. The check is exact for any table shape (a hidden entry is
fixed by the sums exactly when no loop of hidden entries runs through it), not
only the simple "two hidden per line" rule, which is not always enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from models.participant import Participant, Role

#: Counts from 1 to this are never shown.
SMALL = 4
#: How a count of 1 to 4 shows.
FEW = "<5"
#: How a cell hidden so that a small one cannot be worked out shows.
HIDDEN = "hidden"
#: A group is under-reached when its share is below this fraction of its reference share.
UNDER_REACHED = 0.8

PREFER_NOT = "Prefer not to say"
NOT_GIVEN = "Not given"

AGE_BAND = "age band"
GENDER = "gender"
ETHNIC_GROUP = "ethnic group"
AREA_TYPE = "area type"
POSTCODE_DISTRICT = "postcode district"

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75 or over")
GENDERS = ("Woman", "Man", "Non-binary", "In another way")
AREA_TYPES = ("Urban", "Town", "Rural")

#: Census 2021 ethnic groups (England and Wales): five high-level groups, 19 categories.
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "Asian, Asian British or Asian Welsh": (
        "Bangladeshi", "Chinese", "Indian", "Pakistani", "Other Asian",
    ),
    "Black, Black British, Black Welsh, Caribbean or African": (
        "African", "Caribbean", "Other Black",
    ),
    "Mixed or Multiple ethnic groups": (
        "White and Asian", "White and Black African", "White and Black Caribbean",
        "Other Mixed or Multiple ethnic groups",
    ),
    "White": (
        "English, Welsh, Scottish, Northern Irish or British", "Irish",
        "Gypsy or Irish Traveller", "Roma", "Other White",
    ),
    "Other ethnic group": ("Arab", "Any other ethnic group"),
}

#: Every answer an ethnic-group question accepts: a detailed category, or a group alone.
ETHNIC_ANSWERS: tuple[str, ...] = tuple(
    answer
    for group, categories in ETHNIC_GROUPS.items()
    for answer in (group, *(f"{group}: {category}" for category in categories))
)

#: The attributes a participant may give, with the answers each accepts
#: (postcode district takes any district such as "LS6"; its categories are those given).
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    AGE_BAND: AGE_BANDS,
    GENDER: GENDERS,
    ETHNIC_GROUP: ETHNIC_ANSWERS,
    AREA_TYPE: AREA_TYPES,
    POSTCODE_DISTRICT: (),
}

_DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")


class ReachAnswerError(ValueError):
    """An attribute or answer the reach questions do not accept (one line)."""


def check_answer(attribute: str, answer: str) -> str:
    """The answer as stored, or :class:`ReachAnswerError` saying what to give instead."""
    if attribute not in ATTRIBUTES:
        raise ReachAnswerError(
            f"Unknown reach question {attribute!r}; ask about: {', '.join(ATTRIBUTES)}."
        )
    answer = " ".join(answer.split())
    if answer.casefold() == PREFER_NOT.casefold():
        return PREFER_NOT
    if attribute == POSTCODE_DISTRICT:
        district = answer.upper().replace(" ", "")
        if not _DISTRICT.fullmatch(district):
            raise ReachAnswerError(
                "Give only the postcode district (the first half, such as LS6), never "
                "a full postcode."
            )
        return district
    for allowed in ATTRIBUTES[attribute]:
        if allowed.casefold() == answer.casefold():
            return allowed
    raise ReachAnswerError(
        f"{answer!r} is not an answer for {attribute}; choose one of the listed answers "
        f"or {PREFER_NOT!r}."
    )


def category_of(attribute: str, answer: str) -> str:
    """The category a stored answer counts under in a reach view."""
    if attribute == ETHNIC_GROUP and answer != PREFER_NOT:
        # Detailed categories are counted under their high-level group: at the
        # size of a consultation, 19 categories would be almost all "<5".
        return answer.split(": ", 1)[0]
    return answer


def categories_for(attribute: str, answers: Iterable[str] = ()) -> list[str]:
    """The rows of a reach view for ``attribute``, in the order a reader expects."""
    if attribute == ETHNIC_GROUP:
        listed = list(ETHNIC_GROUPS)
    elif attribute == POSTCODE_DISTRICT:
        listed = sorted({a for a in answers if a not in (PREFER_NOT, NOT_GIVEN)})
    else:
        listed = list(ATTRIBUTES[attribute])
    return [*listed, PREFER_NOT, NOT_GIVEN]


# -- small-number suppression ------------------------------------------------------


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its totals, as it may be shown.

    ``shown`` is the table with its totals: rows, then a last row of column
    totals; each row ends with its row total (so the bottom-right entry is
    the grand total). Entries are counts as text, ``FEW`` or ``HIDDEN``.
    """

    shown: tuple[tuple[str, ...], ...]
    #: Positions (row, column) in ``shown`` that are not shown as counts.
    hidden: frozenset[tuple[int, int]]

    @property
    def cells(self) -> tuple[tuple[str, ...], ...]:
        """The body of the table without totals."""
        return tuple(row[:-1] for row in self.shown[:-1])

    @property
    def row_totals(self) -> tuple[str, ...]:
        """Each row's total."""
        return tuple(row[-1] for row in self.shown[:-1])

    @property
    def column_totals(self) -> tuple[str, ...]:
        """Each column's total."""
        return self.shown[-1][:-1]

    @property
    def grand_total(self) -> str:
        """The total of everything."""
        return self.shown[-1][-1]


def with_totals(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """``counts`` with a total at the end of each row and a row of column totals."""
    rows = [[*row, sum(row)] for row in counts]
    width = len(rows[0]) if rows else 1
    rows.append([sum(row[j] for row in rows) for j in range(width)])
    return rows


def lines_of(height: int, width: int) -> list[list[tuple[int, int]]]:
    """Each line of a table with totals: its entries, the total last.

    ``height`` and ``width`` count the totals row and column too. The totals
    row and column are lines as well (their sum is the grand total).
    """
    rows = [[(i, j) for j in range(width)] for i in range(height)]
    columns = [[(i, j) for i in range(height)] for j in range(width)]
    return rows + columns


def suppress(counts: Sequence[Sequence[int]]) -> SuppressedTable:
    """Hide every count from 1 to 4, and enough others that none can be worked out.

    Primary: any entry (cell or total) from 1 to 4 shows as ``FEW``. Secondary:
    while the sums still fix some hidden entry (see :func:`determined`), hide one
    more entry that closes a loop through it: in its own row or column where one
    will do, a cell before a total, a non-zero count before a zero, the smallest
    first. An entry that closes no loop yet (a lone hidden entry) gets its
    line's next smallest entry hidden, and the search goes on from there.
    """
    if not counts or not counts[0]:
        raise ValueError("A reach table needs at least one cell.")
    full = with_totals(counts)
    height, width = len(full), len(full[0])
    primary = {
        (i, j) for i in range(height) for j in range(width) if 1 <= full[i][j] <= SMALL
    }
    hidden = set(primary)
    unhidden = {(i, j) for i in range(height) for j in range(width)} - hidden
    while unhidden:
        found = determined(hidden)
        if not found:
            break
        i, j = found[0]
        # The two sides the fixed entry joins: a new hidden entry from one side to
        # the other closes a loop through it, and then no sum can fix it.
        rest = hidden - {(i, j)}
        side = _reachable(("row", i), rest)
        other = _reachable(("column", j), rest)
        crossing = [
            (a, b) for a, b in unhidden
            if (("row", a) in side and ("column", b) in other)
            or (("row", a) in other and ("column", b) in side)
        ]
        in_line = [p for p in crossing if p[0] == i or p[1] == j]
        near = in_line or crossing or [p for p in unhidden if p[0] == i or p[1] == j]
        pick = _smallest(near or list(unhidden), full, height, width)
        hidden.add(pick)
        unhidden.discard(pick)
    shown = tuple(
        tuple(
            (FEW if (i, j) in primary else HIDDEN) if (i, j) in hidden else str(full[i][j])
            for j in range(width)
        )
        for i in range(height)
    )
    return SuppressedTable(shown=shown, hidden=frozenset(hidden))


Node = tuple[str, int]


def _neighbours(hidden: Iterable[tuple[int, int]]) -> dict[Node, list[Node]]:
    """The hidden entries as a graph: rows and columns are nodes, each entry an edge."""
    graph: dict[Node, list[Node]] = {}
    for i, j in hidden:
        graph.setdefault(("row", i), []).append(("column", j))
        graph.setdefault(("column", j), []).append(("row", i))
    return graph


def _reachable(start: Node, hidden: Iterable[tuple[int, int]]) -> set[Node]:
    """The nodes joined to ``start`` through hidden entries."""
    graph = _neighbours(hidden)
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _smallest(
    candidates: list[tuple[int, int]], full: list[list[int]], height: int, width: int
) -> tuple[int, int]:
    """The entry to hide next: a cell before a total, a non-zero before a zero, smallest first.

    A zero is hidden only when nothing else will do: readers (and those who
    would identify someone) often know which groups are empty.
    """

    def order(p: tuple[int, int]) -> tuple[bool, bool, int, tuple[int, int]]:
        value = full[p[0]][p[1]]
        is_total = p[0] == height - 1 or p[1] == width - 1
        return (value == 0, is_total, value, p)

    return min(candidates, key=order)


def determined(hidden: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Hidden entries that the shown entries and the table's sums work out exactly.

    Every line of a table with totals says "its entries add up to its total".
    Flip the sign of each total (and flip the grand total back) and every row
    and column of the whole grid adds up to zero. The hidden entries are then
    edges of a graph whose nodes are the rows and the columns, and the sums
    leave a hidden entry free exactly when it lies on a loop of hidden entries
    (add and take away one around the loop and every sum stays the same); one
    on no loop (a bridge) is fixed by the sums. The tests check this against
    linear algebra on every table they draw.
    """
    graph = _neighbours(hidden)
    order: dict[Node, int] = {}
    low: dict[Node, int] = {}
    bridges: list[tuple[int, int]] = []
    for root in sorted(graph):
        if root in order:
            continue
        # Iterative depth-first search (Tarjan's bridges): no recursion limit to reach.
        order[root] = low[root] = len(order)
        stack: list[tuple[Node, Node | None, int]] = [(root, None, 0)]
        while stack:
            node, parent, index = stack[-1]
            edges = graph[node]
            if index < len(edges):
                stack[-1] = (node, parent, index + 1)
                nxt = edges[index]
                if nxt == parent:
                    continue  # each entry is one edge: the way back is not a loop
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, node, 0))
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    row, column = (parent, node) if parent[0] == "row" else (node, parent)
                    bridges.append((row[1], column[1]))
    return sorted(bridges)


# -- the reach view ---------------------------------------------------------------


@dataclass(frozen=True)
class ReachRow:
    """One category of a reach view, as it may be shown."""

    category: str
    #: The count as shown: a number, ``FEW`` or ``HIDDEN``.
    count: str
    #: The share of everyone reached, as shown ("" when the count is not shown).
    share: str
    #: The reference population's share in percent, if the facilitator gave one.
    reference: float | None
    #: True when the group is reached well below its reference share.
    under_reached: bool


@dataclass(frozen=True)
class ReachTable:
    """One attribute's reach view: its categories, and everyone reached."""

    attribute: str
    rows: tuple[ReachRow, ...]
    total: str

    @property
    def under_reached(self) -> list[str]:
        """The categories reached well below their reference share."""
        return [row.category for row in self.rows if row.under_reached]


def reach_counts(
    attribute: str, people: Iterable[Participant]
) -> tuple[list[str], list[int]]:
    """The categories of ``attribute`` and how many of ``people`` fall in each."""
    answers = [p.reach.get(attribute, "") for p in people if p.role is Role.PARTICIPANT]
    counted = [category_of(attribute, a) if a else NOT_GIVEN for a in answers]
    categories = categories_for(attribute, counted)
    tally = dict.fromkeys(categories, 0)
    for category in counted:
        # An answer no longer listed (the list changed) still counts, as its own row.
        if category not in tally:
            categories.insert(-2, category)
            tally[category] = 0
        tally[category] += 1
    return categories, [tally[c] for c in categories]


def reach_table(
    attribute: str,
    people: Iterable[Participant],
    reference: Mapping[str, float] | None = None,
) -> ReachTable:
    """The suppressed reach view of ``attribute`` beside ``reference`` (shares in percent).

    Shares are of everyone reached (the grand total), so a shown share never
    lets a reader work out a hidden count. A group shown as "<5" is marked
    under-reached only when even 4 people would be too few; a hidden group is
    never judged, since that would say something about its count.
    """
    categories, counts = reach_counts(attribute, people)
    table = suppress([counts])
    shown_counts = table.cells[0]
    total_text = table.grand_total
    total = sum(counts)
    reference = reference or {}
    rows = []
    for category, count, shown in zip(categories, counts, shown_counts, strict=True):
        ref = reference.get(category)
        share = ""
        if shown not in (FEW, HIDDEN) and total_text not in (FEW, HIDDEN) and total:
            share = f"{100 * count / total:.0f}%"
        under = False
        if ref is not None and total_text not in (FEW, HIDDEN) and total:
            if shown == FEW:
                under = 100 * SMALL / total < UNDER_REACHED * ref
            elif shown != HIDDEN:
                under = 100 * count / total < UNDER_REACHED * ref
        rows.append(ReachRow(category, shown, share, ref, under))
    return ReachTable(attribute=attribute, rows=tuple(rows), total=total_text)


def reach_view(
    people: Iterable[Participant],
    reference: Mapping[str, Mapping[str, float]] | None = None,
) -> list[ReachTable]:
    """A reach table for every attribute, in the order the questions are asked."""
    people = list(people)
    reference = reference or {}
    return [
        reach_table(attribute, people, reference.get(attribute)) for attribute in ATTRIBUTES
    ]
