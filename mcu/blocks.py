"""The two blocks the meeting screen and the analytic note take from other pages, one function each:
- `problem_points` — the ranked top of «Проблемные точки» (its one named query, queries/problem_points.sql);
- `map_deck` — the territories of the Тепловая карта page's map (mcu/maps.py), sized for the meeting room.
"""
from collections.abc import Callable

import polars as pl

from mcu import fmt
from mcu.query import run_query

MAP_PENDING = "На карте нечего показать: у населённых пунктов с обращениями за период нет координат."


def problem_points(flt, limit: int = 5, run: Callable[..., pl.DataFrame] = run_query) -> pl.DataFrame:
    """The top `limit` problem points for the filters — the same named query, explanation and vote mark as the
    page «Проблемные точки»: columns settlement, theme, explanation (one line of plain Russian), vote (the page's
    mark, «недавно голосовали 10.08.2026», or None), action (pp.vote_action: wait for a running vote or check a recent
    one's decision; None when a new vote may be proposed), point_action (the same naming the point, for the note),
    vote_line (the page's line on that vote and what followed it, or None) and found (how many points the page finds,
    so a list cut to `limit` says so), best first.

    `run(name, **params)` runs a named query (run_query, or the page's cached runner)."""
    from mcu import problems as pp

    settings = pp.problem_settings()
    found = run("problem_points", **flt.params(), as_of=flt.as_of, **settings.params("theme"))
    points = found.head(limit).to_dicts()
    lines = {}
    if any(r["vote_id"] for r in points):
        lines = {v["vote_id"]: pp.vote_line(v) for v in run("votes_effect", **settings.votes_query(flt)).to_dicts()}
    return pl.DataFrame(
        [{"settlement": r["settlement"], "theme": r["theme"],
          "explanation": pp.explain_point(r, flt.days, settings.min_base), "vote": pp.vote_mark(r) or None,
          "action": pp.vote_action(r), "point_action": pp.vote_action(r, fmt.quoted(f"{r['settlement']} — {r['theme']}")),
          "vote_line": lines.get(r["vote_id"]), "found": found.height} for r in points],
        schema={"settlement": pl.String, "theme": pl.String, "explanation": pl.String, "vote": pl.String,
                "action": pl.String, "point_action": pl.String, "vote_line": pl.String, "found": pl.Int64})


# The map slide's map beside its numbered list (mcu/slides.py), sized on a 1280×720 screen: the view is fitted to
# this box, so every circle and name is inside it there; a bigger screen draws the map taller and wider (its height
# in the slide's units), with more ground around the same view.
MAP_WIDTH, MAP_HEIGHT = 880, 460
# The busiest territories the list beside the map names; a circle among them whose name has no room on the map
# carries its number instead.
MAP_KEY = 15


def map_deck(flt, run: Callable[..., pl.DataFrame] = run_query):
    """The map for the meeting screen: the Тепловая карта page's territories (circles by the number of appeals,
    names beside them, or numbers in the list beside the map) as a pydeck Deck sized for a big screen, with its
    legends (what a colour and a circle's size mean: the room cannot hover for them); None when no territory has a
    position."""
    from mcu import maps

    territories = run("map_territories", **flt.compare_params(), as_of=flt.as_of, min_base=5, level="settlement")
    if maps.nothing_placed(territories):
        return None
    return maps.territory_deck(territories.filter(pl.col("appeals") > 0), "appeals", "Обращений",
                               width_px=MAP_WIDTH, height_px=MAP_HEIGHT, text_size=28, numbers=MAP_KEY)
