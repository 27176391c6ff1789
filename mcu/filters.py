"""The global sidebar filters: one set for every page, kept across pages and mirrored in the URL.

`render()` is called once per run from app.py (before the page runs), so the widgets always exist and
keep their state; pages read the result with `current()`.
"""
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import streamlit as st

from mcu import fmt
from mcu.query import QueryError, run_query
from mcu.settings import db_path
from mcu.ui import q

# «7 дней», not «Неделя»: the meeting screen and the note show a calendar week (пн–вс, «неделя 2026-W47»), and
# one word for both read as the same figures (a tester's finding).
PRESETS = {"week": ("7 дней", 7), "month": ("Месяц", 30), "quarter": ("Квартал", 91), "year": ("Год", 365),
           "all": ("Всё время", None), "custom": ("Свой период", None)}
DEFAULT_PRESET = "quarter"
# filter dimension -> (URL key, widget label)
DIMS = {"source": ("source", "Канал"), "theme": ("theme", "Тема"), "settlement": ("settlement", "Населённый пункт"),
        "executor": ("executor", "Исполнитель")}
# The territory level above the settlement (DESIGN.md §4): its own filter, drawn first, bound as a list of
# settlements.municipality values. Kept out of DIMS so the Filters fields above stay positional.
MUNICIPALITY = ("municipality", "Муниципалитет")


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    sources: tuple
    themes: tuple
    settlements: tuple
    executors: tuple
    as_of: dt.date
    first_day: dt.date
    municipalities: tuple = ()
    # The previous period's first day when it is not the days just before (a week still running is compared with
    # the same weekdays a week before: Monday–Wednesday against Friday–Sunday read a weekend's lull as a fall).
    prev_start: dt.date | None = None

    def params(self) -> dict:
        """The filter parameters every filtered query takes (empty tuple = all)."""
        return {"date_from": self.date_from, "date_to": self.date_to, "sources": list(self.sources),
                "themes": list(self.themes), "settlements": list(self.settlements),
                "executors": list(self.executors), "municipalities": list(self.municipalities)}

    def scope_params(self) -> dict:
        """params() without the period: the channel, theme, settlement, executor and municipality filters."""
        return {k: v for k, v in self.params().items() if k not in ("date_from", "date_to")}

    def compare_params(self) -> dict:
        """params() plus the previous period of equal length (prev_from, prev_to) for growth queries."""
        return self.params() | {"prev_from": self.prev_from, "prev_to": self.prev_to}

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def prev_from(self) -> dt.date:
        return self.prev_start or self.date_from - dt.timedelta(days=self.days)

    @property
    def prev_to(self) -> dt.date:
        return self.prev_from + dt.timedelta(days=self.days - 1)

    @property
    def same_days_before(self) -> bool:
        """Whether the previous period is the same weekdays a week before, not the days just before."""
        return self.prev_start is not None

    @property
    def has_previous(self) -> bool:
        """Whether the previous period of equal length lies (at least partly) within the data."""
        return self.prev_to >= self.first_day

    @property
    def has_year_ago(self) -> bool:
        """Whether the data reaches back to the same period a year earlier."""
        start = self.date_from
        year_ago = start.replace(year=start.year - 1, day=min(start.day, 28 if start.month == 2 else 31))
        return year_ago >= self.first_day

    def caption(self) -> str:
        prev = (f"; сравнение с {fmt.date(self.prev_from)}–{fmt.date(self.prev_to)}"
                if self.has_previous else "")
        return f"Период: {fmt.date(self.date_from)}–{fmt.date(self.date_to)} ({self.days} дн.){prev}"


def chosen(flt: Filters, labels: dict) -> list[tuple[str, list[str]]]:
    """Every active filter besides the period, in the sidebar's order (municipality first): its widget label and
    the chosen values as shown (`labels` maps (dim, value) to the filter_options label), for a page, a slide or
    the note to say what its figures are narrowed to."""
    values = {"municipality": flt.municipalities, "source": flt.sources, "theme": flt.themes,
              "settlement": flt.settlements, "executor": flt.executors}
    names = {"municipality": MUNICIPALITY[1]} | {dim: label for dim, (_key, label) in DIMS.items()}
    return [(names[dim], [labels.get((dim, v), v) for v in values[dim]]) for dim in names if values[dim]]


def _period(preset: str, first: dt.date, last: dt.date, custom) -> tuple[dt.date, dt.date]:
    if preset == "all":
        return first, last
    if preset == "custom" and isinstance(custom, (tuple, list)) and len(custom) == 2:
        return custom[0], custom[1]
    days = PRESETS.get(preset, PRESETS[DEFAULT_PRESET])[1] or 91
    return max(first, last - dt.timedelta(days=days - 1)), last


def _from_url(options: dict, first: dt.date, last: dt.date) -> None:
    """First run of a session: take the view from the URL (a copied link restores it)."""
    qp = st.query_params
    # The link's keys for a page's own controls (view()): kept until the page draws them, as this run's
    # _to_url leaves only the filters' keys and the keys of the page's controls in the URL.
    sidebar = {"period", "from", "to", MUNICIPALITY[0], *(key for key, _label in DIMS.values())}
    st.session_state["view_link"] = {k: qp.get(k) for k in qp if k not in sidebar}
    preset = qp.get("period", DEFAULT_PRESET)
    default = _period(DEFAULT_PRESET, first, last, None)
    shown = f"показан {PRESETS[DEFAULT_PRESET][0].lower()}: {fmt.date(default[0])}–{fmt.date(default[1])}"
    held = f"данные есть с {fmt.date(first)} по {fmt.date(last)}"
    notice = None
    if preset not in PRESETS:
        notice = f"Период «{preset}» из ссылки не распознан; {shown}."
        preset = DEFAULT_PRESET
    custom = default
    if preset == "custom":
        try:
            start, end = sorted(dt.date.fromisoformat(qp[k]) for k in ("from", "to"))
        except (KeyError, ValueError):
            notice = (f"Даты периода из ссылки не распознаны (from={qp.get('from', '—')}, to={qp.get('to', '—')}; "
                      f"нужны ГГГГ-ММ-ДД); {shown}.")
            preset = DEFAULT_PRESET
        else:
            asked = f"Ссылка просит период {fmt.date(start)}–{fmt.date(end)}, а {held}"
            if end < first or start > last:
                # Wholly outside the data (a future link, or one from other data): the usual period, not one day.
                notice, preset = f"{asked}; {shown}.", DEFAULT_PRESET
            elif start < first or end > last:
                # A link may outlive the data it was made on: keep its range within what the database holds.
                custom = (max(start, first), min(end, last))
                notice = f"{asked}; показана его часть в данных: {fmt.date(custom[0])}–{fmt.date(custom[1])}."
            else:
                custom = (start, end)
    st.session_state["f_period"] = preset
    st.session_state["f_range"] = custom
    # Said on the page while the period shown is the one put in place of the link's.
    st.session_state["period_notice"] = notice and (notice, custom if preset == "custom" else default)
    missing = []
    for dim, key in [(dim, key) for dim, (key, _label) in DIMS.items()] + [("municipality", MUNICIPALITY[0])]:
        # A value is the filter's code («kyzlas») or, as the page shows it, its name («Кызлас»).
        by_name = {label: value for value, label in options[dim].items()}
        asked = qp.get_all(key)
        found = [v if v in options[dim] else by_name[v] for v in asked if v in options[dim] or v in by_name]
        st.session_state[f"f_{dim}"] = list(dict.fromkeys(found))
        if lost := [v for v in asked if v not in options[dim] and v not in by_name]:
            missing.append(_missing_words(dim, lost, bool(found)))
    text = "; ".join(missing)
    # Said on the page while the filters are the ones put in place of the link's.
    st.session_state["filter_notice"] = text and (text[0].upper() + text[1:] + ".", _filter_values())


# filter dimension -> (one, many, «not found» agreeing with one) for the notice on a link's values not found
MISSING_WORDS = {"source": ("канал", "каналы", "не найден"), "theme": ("тема", "темы", "не найдена"),
                 "settlement": ("населённый пункт", "населённые пункты", "не найден"),
                 "executor": ("исполнитель", "исполнители", "не найден"),
                 "municipality": ("муниципалитет", "муниципалитеты", "не найден")}


def _missing_words(dim: str, lost: list[str], kept: bool) -> str:
    """«тема «Нет такой» из ссылки не найдена — фильтр снят»: a link's values the data has not, and what became of
    the filter (dropped, or kept with the values found)."""
    one, many, not_found = MISSING_WORDS[dim]
    names = ", ".join(f"«{v}»" for v in lost)
    head = f"{one} {names} из ссылки {not_found}" if len(lost) == 1 else f"{many} {names} из ссылки не найдены"
    return head + (" — в фильтре остальные" if kept else " — фильтр снят")


def _filter_values() -> tuple:
    return tuple(tuple(st.session_state.get(f"f_{dim}") or ()) for dim in [*DIMS, "municipality"])


def _to_url(preset: str, date_from: dt.date, date_to: dt.date) -> None:
    view = {"period": preset}
    if preset == "custom":
        view |= {"from": date_from.isoformat(), "to": date_to.isoformat()}
    for dim, (key, _label) in DIMS.items():
        if st.session_state.get(f"f_{dim}"):
            view[key] = st.session_state[f"f_{dim}"]
    if st.session_state.get("f_municipality"):
        view[MUNICIPALITY[0]] = st.session_state["f_municipality"]
    # The page's own controls (view()) as its last run left them; another page's are no part of this view.
    saved, used = st.session_state.get("view_saved", {}), st.session_state.setdefault("view_used", {})
    view |= {k: saved[k] for k in used.get(_page(), ()) if k in saved}
    used[_page()] = set()
    wanted = {k: v if isinstance(v, list) else [v] for k, v in view.items()}
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(view)


def _page() -> str:
    """The page this run draws (its script's hash), as the URL's page-own keys belong to it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx else ""


def view(key: str, url_key: str, choices, default=None) -> None:
    """A page's view control (a switch, a drill-down choice) kept as the sidebar filters are: in the URL under
    `url_key` (a reload or a copied link restores it) and across page switches. Call it before drawing the widget
    `key` (drawn with no default of its own); a value not among `choices` (a link from other data) gives `default`.
    The URL shows only values other than the default."""
    ss = st.session_state
    saved = ss.setdefault("view_saved", {})
    if key not in ss:   # the widget is not alive: the first draw of this visit to the page
        link = ss.get("view_link", {}).pop(url_key, None)
        ss[key] = next((v for v in (link, saved.get(url_key)) if v is not None and v in choices), default)
    value = ss[key] if ss[key] in choices else default
    ss.setdefault("view_used", {}).setdefault(_page(), set()).add(url_key)
    if value is None or value == default:
        saved.pop(url_key, None)
        if url_key in st.query_params:
            del st.query_params[url_key]
    else:
        saved[url_key] = value
        if st.query_params.get(url_key) != str(value):
            st.query_params[url_key] = str(value)


def database_meta() -> dict:
    """The database's facts about itself (demo, as_of); none for a database built before the meta table."""
    try:
        return dict(run_query("database_meta").iter_rows())
    except QueryError:
        return {}


def state_day(bounds: dict, meta: dict) -> dt.date:
    """«Now» of the data (DESIGN.md §4): the export's own date where the database records one (and no appeal
    arrived after it), else the day of the latest event — received, answered or closed."""
    own = dt.date.fromisoformat(meta["as_of"]) if meta.get("as_of") else None
    return own if own and own >= bounds["last_day"] else bounds["state_day"]


def render() -> Filters | None:
    """Draw the sidebar filters; None when the database holds no appeals yet."""
    st.session_state["download_scope"] = None   # page() sets it on a page the filters narrow
    if not db_path().exists():
        st.sidebar.info("База пуста: загрузите выгрузку на странице «Загрузка данных».", icon=":material/upload:")
        st.session_state["filters"] = None
        return None
    meta = database_meta()
    if meta.get("demo") == "true":
        st.sidebar.badge("ДЕМО", icon=":material/science:", color="orange")
        st.sidebar.caption("Демонстрационная база: все обращения вымышлены.")
    bounds = q("data_bounds").row(0, named=True)
    if not bounds["appeals"]:
        st.session_state["filters"] = None
        return None
    # Periods, the date picker and «now» reach the state date (the latest event), not just the last appeal.
    first, last = bounds["first_day"], state_day(bounds, meta)
    opts = q("filter_options")
    options = {dim: dict(zip(g["value"], g["label"])) for (dim,), g in opts.group_by("dim", maintain_order=True)}
    for dim in [*DIMS, "municipality"]:
        options.setdefault(dim, {})
    st.session_state["filter_labels"] = {(dim, v): label for dim, values in options.items() for v, label in values.items()}
    if "f_period" not in st.session_state:
        _from_url(options, first, last)

    sb = st.sidebar
    sb.header("Фильтры")
    preset = sb.segmented_control("Период", list(PRESETS), format_func=lambda k: PRESETS[k][0], key="f_period")
    preset = preset or DEFAULT_PRESET
    if preset == "custom":
        st.session_state.setdefault("f_range", _period(DEFAULT_PRESET, first, last, None))
        custom = sb.date_input("С — по", key="f_range", min_value=first, max_value=last, format="DD.MM.YYYY")
    else:
        custom = None
    date_from, date_to = _period(preset, first, last, custom)
    # select_all=False: no English «Select all» in the list (an empty filter already means all).
    sb.multiselect(MUNICIPALITY[1], list(options["municipality"]), key="f_municipality", placeholder="Все",
                   select_all=False)
    for dim, (_key, label) in DIMS.items():
        sb.multiselect(label, list(options[dim]), format_func=lambda v, d=dim: options[d].get(v, v),
                       key=f"f_{dim}", placeholder="Все", select_all=False)
    why = "дата выгрузки" if meta.get("as_of") == last.isoformat() else "последнее событие в данных"
    sb.caption(f"Данные: {fmt.date(first)}–{fmt.date(bounds['last_day'])}, обращений: {fmt.num(bounds['appeals'])}; "
               f"состояние на {fmt.date(last)} ({why})")
    _to_url(preset, date_from, date_to)
    # The state is read at the end of the period (or at the state date, if the period runs past it), so a
    # past period shows what was open then, just as the previous period does on the monitoring pages.
    flt = Filters(date_from, date_to, *(tuple(st.session_state[f"f_{d}"]) for d in DIMS),
                  as_of=min(last, date_to), first_day=first)
    flt = dataclasses.replace(flt, municipalities=tuple(st.session_state["f_municipality"]))
    st.session_state["filters"] = flt
    return flt


def current() -> Filters | None:
    """The filters drawn in this run (app.py renders them before the page)."""
    return st.session_state.get("filters")


def page(title: str, note: str = "") -> Filters:
    """Every analytics page starts here: its title, the period line (plus `note`, where «{as_of}» becomes
    the state date), and the filters; with no data yet it explains what to do and stops the page."""
    st.title(title)
    flt = current()
    if flt is None:
        st.info("В базе пока нет обращений. Загрузите выгрузку на странице «Загрузка данных».",
                icon=":material/filter_alt_off:")
        st.stop()
    st.caption(flt.caption() + (". " + note.format(as_of=fmt.date(flt.as_of)) if note else ""))
    period_notice(flt)
    filter_notice()
    st.session_state["download_scope"] = download_scope(flt, st.session_state.get("filter_labels", {}))
    return flt


def download_scope(flt: Filters, labels: dict) -> dict:
    """What a page's downloads say about the figures in them (mcu.ui.downloads): the period and the filters in the
    file's name («…_2026-08-27_2026-11-25_Кызлас»), and as the XLSX's sheet «Условия»; the CSV stays a bare table."""
    narrowed = chosen(flt, labels)
    words = scope_words(flt, labels)
    return {"suffix": f"{flt.date_from:%Y-%m-%d}_{flt.date_to:%Y-%m-%d}" + (f"_{words}" if words else ""),
            "about": [("Период", f"{fmt.date(flt.date_from)}–{fmt.date(flt.date_to)} ({flt.days} дн.)"),
                      ("Фильтры", "; ".join(f"{label.lower()}: {', '.join(values)}" for label, values in narrowed)
                       or "все обращения"),
                      ("Состояние на", fmt.date(flt.as_of))]}


def scope_words(flt: Filters, labels: dict) -> str:
    """The filters as a file name's part («ЖКХ_Кызлас», «» for none): download_scope's, the note's after its week."""
    words = "_".join(v for _label, values in chosen(flt, labels) for v in values)
    words = re.sub(r'[\\/:*?"<>|\s]+', "_", words).strip("_")
    return words if len(words) <= 60 else words[:59].rstrip("_") + "…"


def period_notice(flt: Filters) -> None:
    """What the link asked, what is shown instead and why — while the period shown is the one put in its place."""
    notice = st.session_state.get("period_notice")
    if notice and notice[1] == (flt.date_from, flt.date_to):
        st.warning(notice[0], icon=":material/event_busy:")


def filter_notice() -> None:
    """Which of the link's filter values were not found and what became of the filter — while the filters are
    the ones put in their place."""
    notice = st.session_state.get("filter_notice")
    if notice and notice[1] == _filter_values():
        st.warning(notice[0], icon=":material/filter_alt_off:")
