"""The two blocks the meeting screen and the analytic note take from other parts of the app.

Each is one function, so wiring the real thing is a change in one place:
- `problem_points` — the ranked top of «Проблемные точки» (its one named query, queries/problem_points.sql);
- `map_deck` — the geographic map of mcu/maps.py.
While a part is not in this tree, the function returns None and both screens show a plain Russian line.
"""
import importlib
import importlib.util
from collections.abc import Callable

import polars as pl

from mcu.query import query_params, run_query
from mcu.settings import QUERIES_DIR

PROBLEMS_PENDING = ("Раздел «Проблемные точки» ещё не подключён: список точек для голосования появится здесь, "
                    "когда в приложении будет запрос проблемных точек.")
MAP_PENDING = "Карта ещё не подключена: она появится здесь, когда в приложении будет географическая карта."


def problem_points(flt, limit: int = 5, run: Callable[..., pl.DataFrame] = run_query) -> pl.DataFrame | None:
    """The top `limit` problem points for the filters: columns settlement, theme, explanation (one line of
    plain Russian), best first; None while queries/problem_points.sql is not in this tree.

    `run(name, **params)` runs a named query (run_query, or the page's cached runner). The query is given
    whichever of the usual filter parameters it declares."""
    if not (QUERIES_DIR / "problem_points.sql").exists():
        return None
    offered = flt.compare_params() | {"as_of": flt.as_of, "limit": limit}
    wanted = query_params("problem_points")
    points = run("problem_points", **{k: v for k, v in offered.items() if k in wanted})
    return points.select("settlement", "theme", "explanation").head(limit)


def map_deck(flt):
    """The map for the meeting screen (a pydeck Deck sized for a big screen), or None while mcu/maps.py is
    not in this tree. mcu.maps is expected to offer meeting_deck(flt)."""
    if importlib.util.find_spec("mcu.maps") is None:
        return None
    return importlib.import_module("mcu.maps").meeting_deck(flt)
