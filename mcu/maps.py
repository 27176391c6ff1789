"""The geographic map (pydeck): territories as circles, a density grid of the appeals' own points, labels and
territory outlines, drawn with no basemap so that no request leaves the machine.

The builders take DataFrames (map_territories, map_density) and return a `pdk.Deck` and a `Legend`, so the
Тепловая карта page and the meeting screen draw the same map at their own size.
"""
import functools
import html
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pydeck as pdk

from mcu import fmt
from mcu.settings import REFERENCE_DIR

BOUNDARIES = REFERENCE_DIR / "boundaries.geojson"
# Layer ids: Streamlit reports a click by layer id, and the page tells which layer was clicked.
TERRITORIES, DENSITY, LABELS, OUTLINES = "territories", "density", "labels", "outlines"
LAYERS = {TERRITORIES: "Круги по территориям", DENSITY: "Плотность точек обращений", LABELS: "Подписи",
          OUTLINES: "Границы"}
# Five classes: ColorBrewer YlOrRd for «more is worse», RdBu reversed for growth (blue fell, red rose).
SEQUENTIAL = [(255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38)]
DIVERGING = [(33, 102, 172), (146, 197, 222), (240, 240, 240), (244, 165, 130), (178, 24, 43)]
NO_DATA = (170, 170, 170)
DENSITY_COLORS = [(198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 69, 148), (8, 48, 107)]
# The density grid is at most GRID × GRID cells (map_density), so the browser gets at most GRID² squares.
GRID = 60
# deck.gl draws names from a distance field of each glyph (SDF) and puts the letter's edge where the field crosses
# `cutoff` (its default 0.25); 0.15 sets it a little outside, so strokes come out a shade heavier and the two dots of
# «ё», under 2 px in 13 px type, are drawn dark instead of as a faint grey line that read «Аскиз (поселок)» (measured
# in Chromium: the dots at luminance 130–195 against the text's 40, now 40–57). Letters keep their widths.
LABEL_FONT = {"sdf": True, "cutoff": 0.15}
PCT = f"{fmt.NBSP}%"
BASEMAPS = {"light": pdk.map_styles.CARTO_LIGHT, "dark": pdk.map_styles.CARTO_DARK, "road": pdk.map_styles.CARTO_ROAD}


@dataclass
class Legend:
    """What a colour means: a title and (colour, label) classes, drawn next to the map (legend_html)."""
    title: str
    classes: list[tuple[tuple[int, int, int], str]] = field(default_factory=list)
    note: str = ""


def basemap_style() -> str | None:
    """The basemap's style URL from $MCU_BASEMAP (light | dark | road: Carto tiles, or a style.json URL of
    one's own tile server); None — the default — draws no basemap and asks nothing from the internet."""
    value = os.environ.get("MCU_BASEMAP", "").strip()
    return BASEMAPS.get(value, value) or None


def load_boundaries(path: Path = BOUNDARIES) -> tuple[dict | None, str | None]:
    """The territory outlines (GeoJSON), if the file exists: (geojson, None), or (None, a Russian message
    saying what is wrong with the file). No file is no outlines and no message. A replaced file is read
    again; an unchanged one is parsed once (OSM boundaries run to megabytes)."""
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None, None
    return _read_boundaries(path, stamp)


@functools.lru_cache(maxsize=2)
def _read_boundaries(path: Path, _stamp: int) -> tuple[dict | None, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"Файл границ {path.name} не прочитан ({e}). Сохраните его как GeoJSON в UTF-8."
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        return None, f"Файл границ {path.name} — не GeoJSON (нужен FeatureCollection). Границы не показаны."
    return data, None


def _classes(values: list, diverging: bool, digits: int, unit: str) -> tuple[list[float], list[str]]:
    """Five equal-width classes: from 0 to the maximum, or symmetric around 0 for a diverging measure.
    Returns the four inner edges and each class's label."""
    known = [v for v in values if v is not None]
    top = max((abs(v) for v in known), default=0) or 1
    lo = -top if diverging else min(0.0, min(known, default=0.0))
    step = (top - lo) / 5
    edges = [lo + step * k for k in range(1, 5)]
    bounds = [lo, *edges, top]

    def num(v):
        # A change carries its sign, a fall the minus sign («−10 … +10»), as the heat map writes it.
        return fmt.minus(fmt.signed(v, digits)) if diverging and v else fmt.num(v, digits)
    if digits == 0 and not diverging:
        # Counts: each class by the whole numbers in it («1», «2 … 3»), and none for a class that holds none (a
        # maximum of 3 read «0 … 1, 1 … 1, 1 … 2, 2 … 2, 2 … 3»); territory_deck leaves an empty class out of the legend.
        firsts = [math.ceil(lo), *(math.floor(e) + 1 for e in edges)]
        lasts = [*(math.floor(e) for e in edges), math.floor(top)]
        return edges, [None if a > b else f"{fmt.num(a)}{unit}" if a == b else f"{fmt.num(a)} … {fmt.num(b)}{unit}"
                       for a, b in zip(firsts, lasts)]
    labels = [f"{num(bounds[k])} … {num(bounds[k + 1])}{unit}" for k in range(5)]
    return edges, labels


def _class_of(value, edges: list[float]) -> int | None:
    if value is None:
        return None
    return sum(value > e for e in edges)


def _details(row: dict, measure: str, label: str, digits: int, unit: str) -> str:
    """The tooltip's lines under the territory's name (Streamlit escapes the values it puts into a tooltip,
    so lines are split by newlines the tooltip's style keeps, not by tags)."""
    lines = [f"Обращений: {fmt.num(row['appeals'])} (пред. период: {fmt.num(row['prev_appeals'])})"]
    if row.get("population"):
        lines.append(f"Жителей: {fmt.num(row['population'])}; на 1 000: {fmt.num(row['per_1000'], 1)}")
    if row.get("overdue_pct") is not None:
        lines.append(f"Просрочено: {fmt.num(row['overdue_pct'], 1, PCT)}")
    if row.get("dissatisfied_pct") is not None:
        lines.append(f"Недовольны: {fmt.num(row['dissatisfied_pct'], 1, PCT)} (оценок: {fmt.num(row['rated'])})")
    if measure not in ("appeals", "per_1000", "overdue_pct", "dissatisfied_pct"):
        value = fmt.minus(fmt.signed(row[measure], digits)) if measure == "growth" else fmt.num(row[measure], digits)
        lines.append(f"{label}: {value or fmt.DASH}{unit}")
    if row["top_themes"]:
        # one theme a line: the tooltip stays narrow enough not to be cut at the map's edge
        lines += ["Главные темы:", *(f"· {t['theme']} — {fmt.num(t['appeals'])}" for t in row["top_themes"])]
    return "\n".join(lines)


def _merc(lat: float) -> float:
    """Web Mercator's y of a latitude, in radians (poles cut at ±85°)."""
    return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85), -85)) / 2))


def _view(lats: list[float], lons: list[float], width_px: int, height_px: int, pad_x: float = 0,
          pad_y: float = 0) -> pdk.ViewState:
    """A view that fits the points (Web Mercator zoom from the spans), with a margin of at least `pad_x` /
    `pad_y` pixels on each side (what a circle and its name reach beyond the point they stand on)."""
    if not lats:
        return pdk.ViewState(latitude=55.75, longitude=37.62, zoom=3)
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    lon_span = max(lon1 - lon0, 0.02)
    y_span = max(_merc(lat1) - _merc(lat0), 0.0004)
    # A 15 % margin a side, or the pads where they need more: a circle and its name at the map's edge were cut.
    inner_w = min(width_px / 1.3, max(width_px - 2 * pad_x, 1))
    inner_h = min(height_px / 1.3, max(height_px - 2 * pad_y, 1))
    zoom = min(math.log2(inner_w * 360 / (512 * lon_span)), math.log2(inner_h * 2 * math.pi / (512 * y_span)))
    return pdk.ViewState(latitude=(lat0 + lat1) / 2, longitude=(lon0 + lon1) / 2, zoom=max(1.0, min(zoom, 13.0)))


def _label_size(name: str, text_size: int) -> tuple[float, float]:
    """A name's half-width and height in pixels (DejaVu Sans: ~0,62 em a letter)."""
    return len(name) * text_size * 0.31, text_size * 1.25


def _ground(lats: list[float], lons: list[float]) -> list[list[float]]:
    lat0, lat1 = (min(lats), max(lats)) if lats else (40.0, 70.0)
    lon0, lon1 = (min(lons), max(lons)) if lons else (20.0, 180.0)
    pad = max(lat1 - lat0, lon1 - lon0, 1) * 3
    lat0, lat1 = max(lat0 - pad, -85), min(lat1 + pad, 85)
    return [[lon0 - pad, lat0], [lon1 + pad, lat0], [lon1 + pad, lat1], [lon0 - pad, lat1]]


def ranked(rows: list[dict]) -> list[int]:
    """The rows' indices, the territory with more appeals first (then by name): the order names are placed in and
    the meeting screen's numbers (1 is the busiest)."""
    return sorted(range(len(rows)), key=lambda i: (-rows[i]["appeals"], rows[i]["territory"]))


def _labels(rows: list[dict], view: pdk.ViewState, text_size: int, width_px: int, height_px: int,
            numbers: int = 0) -> tuple[list[dict], int]:
    """The territories' names where they fit at the map's first view: under their circle, else above it, to its
    right or left, or at a slant; never over another name or another territory's circle (names printed over each
    other and over a neighbour's circle read as neither), nor past the map's edge. The territory with more appeals is
    placed first. Places at one point (a reference that gives a village its neighbour's coordinates) are one name
    line, «Балыкса, Неожиданный»: the smaller circle lies inside the larger. A name with no room is left to the
    tooltip, or, among the `numbers` busiest (the meeting room cannot hover), replaced by its place in `ranked`,
    beside or on its circle. Returns the labels and how many territories got neither name nor number."""
    scale = 512 * 2 ** view.zoom / 360
    px = lambda lon: lon * scale
    py = lambda lat: -math.degrees(_merc(lat)) * scale
    cx, cy = px(view.longitude), py(view.latitude)
    frame = (cx - width_px / 2, cy - height_px / 2, cx + width_px / 2, cy + height_px / 2)
    circles = [(px(r["lon"]) - r["radius"], py(r["lat"]) - r["radius"], px(r["lon"]) + r["radius"],
                py(r["lat"]) + r["radius"]) for r in rows]
    hit = lambda a, b: a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    inside = lambda a: frame[0] <= a[0] and a[2] <= frame[2] and frame[1] <= a[1] and a[3] <= frame[3]
    order = ranked(rows)
    rank = {i: k + 1 for k, i in enumerate(order)}
    groups: dict[tuple, list[int]] = {}
    for i in order:  # the group's first is its busiest: its circle is the largest
        groups.setdefault((round(rows[i]["lat"], 5), round(rows[i]["lon"], 5)), []).append(i)

    def spots(x, y, radius, half, high):
        gap, d = radius + 2, radius * 0.71 + 2  # d: the circle's edge at 45°
        # (box, pixel offset of the text's top middle from the centre)
        return [((x - half, y + gap, x + half, y + gap + high), [0, gap]),
                ((x - half, y - gap - high, x + half, y - gap), [0, -gap - high]),
                ((x + gap + 2, y - high / 2, x + gap + 2 + 2 * half, y + high / 2), [gap + 2 + half, -high / 2]),
                ((x - gap - 2 - 2 * half, y - high / 2, x - gap - 2, y + high / 2), [-gap - 2 - half, -high / 2]),
                ((x + d, y - d - high, x + d + 2 * half, y - d), [d + half, -d - high]),
                ((x - d - 2 * half, y - d - high, x - d, y - d), [-d - half, -d - high]),
                ((x + d, y + d, x + d + 2 * half, y + d + high), [d + half, d]),
                ((x - d - 2 * half, y + d, x - d, y + d + high), [-d - half, d])]

    def place(text, i, members):
        x, y = px(rows[i]["lon"]), py(rows[i]["lat"])
        for box, offset in spots(x, y, rows[i]["radius"], *_label_size(text, text_size)):
            if inside(box) and not any(hit(box, t) for t in taken) \
                    and not any(hit(box, c) for j, c in enumerate(circles) if j not in members):
                taken.append(box)
                return {"name": text, "lon": rows[i]["lon"], "lat": rows[i]["lat"], "offset": offset}
        return None

    taken, out, numbered, missing = [], [], [], 0
    for members in groups.values():
        label = place(", ".join(rows[j]["territory"] for j in members), members[0], members)
        if label:
            out.append(label)
        elif rank[members[0]] <= numbers:
            numbered.append(members)
        else:
            missing += len(members)
    # Numbers after every name: a name that fits is worth more than a number beside a neighbour's.
    for members in numbered:
        text = ", ".join(str(rank[j]) for j in members if rank[j] <= numbers)
        i = members[0]
        half, high = _label_size(text, text_size)
        out.append(place(text, i, members) or {"name": text, "lon": rows[i]["lon"], "lat": rows[i]["lat"],
                                                "offset": [0, -high / 2]})
    return out, missing


def nothing_placed(territories: pl.DataFrame, density: pl.DataFrame | None = None) -> bool:
    """Whether the map would be empty: no territory with appeals has a position and no density cell has
    appeals (the page and the meeting screen then say so instead of drawing a blank box and a legend of 0 … 0)."""
    cells = density is not None and not density.drop_nulls("appeals").is_empty()
    return not cells and territories.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
                                            & (pl.col("appeals") > 0)).is_empty()


def territory_deck(territories: pl.DataFrame, measure: str, label: str, diverging: bool = False,
                   density: pl.DataFrame | None = None, boundaries: dict | None = None,
                   layers: tuple[str, ...] = (TERRITORIES, LABELS, OUTLINES), width_px: int = 1200,
                   height_px: int = 600, text_size: int = 13, numbers: int = 0) -> tuple[pdk.Deck, list[Legend]]:
    """The map of the territories (rows of map_territories; those without a position are not drawn):
    circles sized by the number of appeals (area ∝ count) and coloured by `measure` in five classes, names
    beside them, the density grid (rows of map_density) and the outlines where given and asked for in
    `layers`. Sizes and type scale with `width_px`/`text_size` (the meeting screen asks for larger ones). Among
    the `numbers` busiest, a territory whose name has no room shows its place in `ranked` instead (the meeting
    screen lists them beside the map)."""
    digits = 0 if measure in ("appeals", "growth") else 1
    unit = PCT if measure.endswith("_pct") else ""
    placed = territories.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    rows = placed.to_dicts()
    # The view takes in every territory whole (a municipality spans its settlements), and the density cells.
    lats = [v for r in rows for v in (r["south"], r["north"])]
    lons = [v for r in rows for v in (r["west"], r["east"])]
    cells = density.drop_nulls("appeals").to_dicts() if density is not None and DENSITY in layers else []
    lats += [c["lat"] for c in cells]
    lons += [c["lon"] for c in cells]
    # Circles keep their size on screen at any zoom (a proportional-symbol map): the largest is a 30th of the
    # map's width, area follows the count, and the smallest stays visible.
    biggest = max(width_px / 30, 12)
    top = max((r["appeals"] for r in rows), default=1) or 1
    radii = [max(biggest * math.sqrt(r["appeals"] / top), 4) for r in rows]
    # The view leaves room at its edges for the widest circle and name (under or over its circle): Балыкса and
    # Усть-Камышта, at the district's edges, were cut.
    sizes = [_label_size(r["territory"], text_size) if LABELS in layers else (0, 0) for r in rows]
    pad_x = max((max(rad, half) + 4 for rad, (half, _) in zip(radii, sizes)), default=0)
    pad_y = max((rad + 2 + high + 4 for rad, (_, high) in zip(radii, sizes)), default=0)
    view = _view(lats, lons, width_px, height_px, pad_x, pad_y)
    palette = DIVERGING if diverging else SEQUENTIAL
    edges, class_labels = _classes([r[measure] for r in rows], diverging, digits, unit)
    for r, radius in zip(rows, radii):
        k = _class_of(r[measure], edges)
        r["color"] = [*(NO_DATA if k is None else palette[k]), 215]
        r["radius"] = radius
        r["details"] = _details(r, measure, label, digits, unit)
        for key in ("top_themes", "south", "north", "west", "east"):
            r.pop(key)
    classes = [(color, text) for color, text in zip(palette, class_labels) if text]
    if any(r[measure] is None for r in rows):
        classes.append((NO_DATA, "не определён: нет численности жителей или мало обращений со сроком / с оценкой"))
    legends = [Legend(label, classes, "Площадь круга пропорциональна числу обращений.")]
    # A plain paper-coloured ground around the territory instead of a basemap (no tiles, no requests).
    deck_layers = [pdk.Layer("SolidPolygonLayer", [{"polygon": _ground(lats, lons)}], id="ground",
                             get_polygon="polygon", get_fill_color=[243, 241, 235], pickable=False)]
    if boundaries is not None and OUTLINES in layers:
        deck_layers.append(pdk.Layer("GeoJsonLayer", boundaries, id=OUTLINES, stroked=True, filled=True,
                                     get_fill_color=[120, 130, 150, 18], get_line_color=[90, 100, 120, 200],
                                     line_width_min_pixels=1, pickable=False))
    if cells:
        dtop = max(c["appeals"] for c in cells)
        dedges, dlabels = _classes([c["appeals"] for c in cells], False, 0, "")
        for c in cells:
            c["color"] = [*DENSITY_COLORS[_class_of(c["appeals"], dedges)], 150]
            half_lat, half_lon = c["cell_lat"] / 2, c["cell_lon"] / 2
            c["polygon"] = [[c["lon"] - half_lon, c["lat"] - half_lat], [c["lon"] + half_lon, c["lat"] - half_lat],
                            [c["lon"] + half_lon, c["lat"] + half_lat], [c["lon"] - half_lon, c["lat"] + half_lat]]
            c["territory"] = "Точки обращений"
            c["details"] = f"Обращений с координатами в клетке: {fmt.num(c['appeals'])}"
        side_km = cells[0]["cell_lat"] * 111.2
        deck_layers.append(pdk.Layer("PolygonLayer", [{k: c[k] for k in ("polygon", "color", "territory", "details")} for c in cells],
                                     id=DENSITY, get_polygon="polygon", get_fill_color="color", stroked=False,
                                     pickable=True))
        legends.append(Legend(f"Точки обращений в клетке (~{fmt.num(side_km, 1)} км)",
                              [(color, text) for color, text in zip(DENSITY_COLORS, dlabels) if text],
                              f"Больше всего в одной клетке: {fmt.num(dtop)}."))
    if TERRITORIES in layers:
        deck_layers.append(pdk.Layer(
            "ScatterplotLayer", rows, id=TERRITORIES, get_position=["lon", "lat"], get_radius="radius",
            get_fill_color="color", get_line_color=[60, 60, 60, 220], stroked=True, line_width_min_pixels=1,
            radius_units=pdk.types.String("pixels"), pickable=True, auto_highlight=True,
            highlight_color=[20, 20, 20, 90]))  # a darker shade, not deck.gl's purple that reads as a class
    if LABELS in layers:
        names, missing = _labels(rows, view, text_size, width_px, height_px, numbers)
        if missing:
            legends[0] = Legend(legends[0].title, legends[0].classes,
                                legends[0].note + " Названия, которым нет места, — в подсказке при наведении.")
        deck_layers.append(pdk.Layer(
            "TextLayer", names, id=LABELS,
            get_position=["lon", "lat"], get_text="name", get_size=text_size, get_color=[40, 40, 40, 255],
            # pydeck turns plain strings into JS expressions; these are literal values
            get_text_anchor=pdk.types.String("middle"), get_alignment_baseline=pdk.types.String("top"),
            get_pixel_offset="offset", character_set=pdk.types.String("auto"),
            font_family=pdk.types.String("'DejaVu Sans', Arial, sans-serif"), outline_width=6,
            outline_color=[255, 255, 255, 230], font_settings=LABEL_FONT))
    style = basemap_style()
    deck = pdk.Deck(layers=deck_layers, initial_view_state=view,
                    tooltip={"html": "<b>{territory}</b><br/>{details}",
                             "style": {"fontSize": f"{text_size}px", "maxWidth": "420px", "whiteSpace": "pre-line"}},
                    **({"map_provider": "carto", "map_style": style} if style else {"map_provider": None}))
    return deck, legends


def legend_html(legends: list[Legend], text_size: int = 13) -> str:
    """The legends as a small HTML block (swatch and label per class) to put beside the map."""
    parts = []
    for lg in legends:
        items = "".join(
            f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0">'
            f'<span style="width:14px;height:14px;border-radius:50%;border:1px solid #555;margin-right:6px;'
            f'background:rgb{tuple(color)}"></span>{html.escape(text)}</span>' for color, text in lg.classes)
        note = f'<div style="opacity:.75">{html.escape(lg.note)}</div>' if lg.note else ""
        parts.append(f'<div style="font-size:{text_size}px;margin-bottom:8px"><b>{html.escape(lg.title)}</b><br/>'
                     f"{items}{note}</div>")
    return "".join(parts)


def coverage_note(territories: pl.DataFrame, density: pl.DataFrame | None) -> str:
    """What the map leaves out, in Russian: territories with no position and, with the density layer, how
    many appeals carry their own coordinates and how many of those fell outside the grid."""
    parts = []
    missing = territories.filter(pl.col("lat").is_null() | pl.col("lon").is_null())
    if missing.height:
        names = ", ".join(missing["territory"].head(5).to_list()) + (" и др." if missing.height > 5 else "")
        parts.append(f"Без координат и не показаны на карте: {names} — обращений: {fmt.num(missing['appeals'].sum())}.")
    if density is not None:
        total = territories["appeals"].sum()
        points = density["points"][0] if density.height else 0
        if not points:
            parts.append("Своих координат нет ни у одного выбранного обращения: слой плотности пуст.")
        else:
            outside = density["outside"][0]
            parts.append(f"Слой плотности: обращений со своими координатами — {fmt.num(points)} из {fmt.num(total)}"
                         + (f"; вне основной области (не показаны) — {fmt.num(outside)}." if outside else "."))
    return " ".join(parts)
