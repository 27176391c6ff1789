"""The two blocks the meeting screen and the analytic note take from other parts of the app.

Each is one function, so wiring the real thing is a change in one place:
- `problem_points` — the ranked top of «Проблемные точки» (its one named query, queries/problem_points.sql);
- `map_deck` — the geographic map of mcu/maps.py.
While the map is not in this tree, `map_deck` returns None and both screens show a plain Russian line.
"""
import importlib
import importlib.util
from collections.abc import Callable

import polars as pl

from mcu.query import run_query

MAP_PENDING = "Карта ещё не подключена: она появится здесь, когда в приложении будет географическая карта."


def problem_points(flt, limit: int = 5, run: Callable[..., pl.DataFrame] = run_query) -> pl.DataFrame:
    """The top `limit` problem points for the filters — the same named query and explanation as the page
    «Проблемные точки»: columns settlement, theme, explanation (one line of plain Russian), best first.

    `run(name, **params)` runs a named query (run_query, or the page's cached runner)."""
    from mcu import problems as pp

    settings = pp.problem_settings()
    points = run("problem_points", **flt.params(), as_of=flt.as_of, **settings.params("theme"))
    return pl.DataFrame(
        [{"settlement": r["settlement"], "theme": r["theme"],
          "explanation": pp.explain_point(r, flt.days, settings.min_base)} for r in points.head(limit).to_dicts()],
        schema={"settlement": pl.String, "theme": pl.String, "explanation": pl.String})


def map_deck(flt):
    """The map for the meeting screen (a pydeck Deck sized for a big screen), or None while mcu/maps.py is
    not in this tree. mcu.maps is expected to offer meeting_deck(flt)."""
    if importlib.util.find_spec("mcu.maps") is None:
        return None
    return importlib.import_module("mcu.maps").meeting_deck(flt)
