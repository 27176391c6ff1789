"""The demo database: fictional appeals placed on the real settlements of Аскизский район.

Deterministic for a seed and an end date. Seasonality, executors' habits and a few planted hot spots
make it look like a real district's year, so every page has something true to show.
"""
import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from etl.calendar import production_calendar
from etl.deadlines import Deadlines, Rules
from etl.frames import appeal_id_expr
from etl.profile import builtin_profiles
from etl.reference import read_reference

# Month multipliers (Jan..Dec).
FLAT = (1,) * 12
WINTER = (2.2, 2.0, 1.6, 0.6, 0.1, 0, 0, 0, 0.1, 0.5, 1.5, 2.2)
HEATING = (1.6, 1.4, 1.2, 0.8, 0.3, 0.1, 0.1, 0.1, 0.6, 1.6, 1.6, 1.6)
SUMMER = (0.4, 0.4, 0.6, 0.9, 1.3, 1.8, 2.0, 1.8, 1.1, 0.7, 0.5, 0.4)
SPRING = (0.4, 0.5, 1.0, 2.0, 2.0, 1.4, 1.0, 0.9, 0.8, 0.7, 0.5, 0.4)
SCHOOL = (1.0, 1.0, 1.0, 0.9, 1.0, 0.6, 0.4, 1.4, 1.8, 1.0, 1.0, 1.0)

# theme, subtheme, executor, appeals per year in the whole district, season.
SUBTHEMES = [
    ("ЖКХ", "Отсутствие холодного водоснабжения", "mup_zhkh", 420, SUMMER),
    ("ЖКХ", "Качество питьевой воды", "mup_zhkh", 180, SUMMER),
    ("ЖКХ", "Отопление: низкая температура в квартире", "mup_zhkh", 460, HEATING),
    ("ЖКХ", "Ремонт многоквартирного дома", "upr_zhkh", 200, FLAT),
    ("ЖКХ", "Водоотведение и канализация", "mup_zhkh", 150, FLAT),
    ("Дороги", "Очистка дорог от снега и наледи", "dor_otdel", 520, WINTER),
    ("Дороги", "Ямы на дорогах", "dor_otdel", 420, SPRING),
    ("Дороги", "Ремонт дороги", "dor_otdel", 260, SPRING),
    ("Транспорт", "Расписание автобусов", "dor_otdel", 160, FLAT),
    ("Транспорт", "Состояние остановок", "dor_otdel", 90, FLAT),
    ("ТКО (мусор)", "Несвоевременный вывоз мусора", "tko_operator", 480, SUMMER),
    ("ТКО (мусор)", "Стихийная свалка", "tko_operator", 220, SUMMER),
    ("Благоустройство", "Уличное освещение", "sp_admins", 300, HEATING),
    ("Благоустройство", "Детские площадки", "sp_admins", 170, SUMMER),
    ("Благоустройство", "Покос травы и уборка территорий", "sp_admins", 200, SUMMER),
    ("Энергетика", "Отключения электроэнергии", "energo", 300, WINTER),
    ("Образование", "Детские сады: очереди и места", "upr_obr", 140, SCHOOL),
    ("Образование", "Школьный подвоз", "upr_obr", 110, SCHOOL),
    ("Здравоохранение", "Запись к врачу", "crb", 230, FLAT),
    ("Здравоохранение", "Лекарственное обеспечение", "crb", 110, FLAT),
    ("Социальная защита", "Меры социальной поддержки", "uszn", 220, FLAT),
    ("Культура", "Работа домов культуры", "upr_kult", 70, FLAT),
    ("Спорт", "Спортивные площадки и секции", "sport", 70, SUMMER),
    ("Безопасность", "Безнадзорные собаки", "go_chs", 160, FLAT),
    ("Безопасность", "Пожарная безопасность", "go_chs", 60, SPRING),
    ("Имущество и земля", "Земельные участки", "kumi", 130, FLAT),
    ("Экономика", "Торговля и цены", "econ", 60, FLAT),
    ("Экология", "Загрязнение реки и берегов", "eco", 80, SUMMER),
    ("Связь", "Мобильная связь и интернет", "svyaz", 150, FLAT),
    ("Прочее", "Прочие вопросы", "adm_district", 140, FLAT),
]

# Executors' habits: (share answered late, share of solvable items solved, share never answered).
HABITS = {
    "mup_zhkh": (0.34, 0.55, 0.05),
    "dor_otdel": (0.30, 0.45, 0.04),
    "tko_operator": (0.24, 0.60, 0.03),
}
DEFAULT_HABIT = (0.05, 0.75, 0.005)

VOLUME = 1.13  # scales the yearly rates to about 15 000 records in two years
SOURCE_SHARE = {"pos": 0.47, "im": 0.36, "letters": 0.17}
STREETS = ["Центральная", "Школьная", "Советская", "Набережная", "Ленина", "Мира", "Садовая", "Молодёжная"]
DEMO_SALT = "demo-salt-not-secret"


@dataclass(frozen=True)
class HotSpot:
    """A problem the demo plants on purpose; the problem-point logic must find each of these."""

    key: str
    settlement_id: str
    theme: str
    subtheme: str
    address: str | None
    days_before_end: int  # the spot's records fall within this many days before the end date
    count: int
    repeat_share: float
    satisfied_share: float
    late_share: float
    why: str


PLANTED_HOT_SPOTS = [
    HotSpot("water_kyzlas", "kyzlas", "ЖКХ", "Отсутствие холодного водоснабжения", None, 90, 70,
            0.2, 0.4, 0.3, "резкий рост жалоб на водоснабжение в Кызласе за последний квартал"),
    HotSpot("road_ust_kamyshta", "ust_kamyshta", "Дороги", "Ремонт дороги", "ул. Набережная", 365, 55,
            0.7, 0.1, 0.3, "одна дорога в Усть-Камыште: много повторных обращений и низкая удовлетворённость"),
    HotSpot("tko_birikchul", "birikchul", "ТКО (мусор)", "Несвоевременный вывоз мусора", None, 180, 45,
            0.3, 0.3, 0.8, "вывоз ТКО в Бирикчуле: большинство ответов с нарушением срока"),
]


@dataclass(frozen=True)
class DemoVote:
    """A past public vote on a planted problem, as the votes export would list it."""

    vote_id: str
    spot: str                # the planted problem it was about (PLANTED_HOT_SPOTS key)
    title: str
    settlement: str          # as written in the export: matched through the settlement aliases
    theme: str
    started_before_end: int  # days before the demo's end date
    days: int                # how long the vote ran
    options: tuple           # (option, votes); participants = their sum
    why: str


# Dates sit where the demo's own figures make the story: after the road vote in Усть-Камышта the spring
# complaints fell away (eased), after the water vote in Кызлас the planted surge began (did not ease).
DEMO_VOTES = [
    DemoVote("ДЕМО-Г-1", "road_ust_kamyshta", "Какую улицу в Усть-Камыште отремонтировать первой?", "Усть-Камышта",
             "Дороги", 177, 14, (("ул. Набережная", 312), ("ул. Школьная", 141), ("ул. Мира", 77)),
             "после голосования жалоб на дороги стало меньше"),
    DemoVote("ДЕМО-Г-2", "water_kyzlas", "Как решить проблему с водоснабжением в Кызласе?", "с. Кызлас", "ЖКХ",
             107, 14, (("Пробурить новую скважину", 205), ("Отремонтировать водовод", 164), ("Организовать подвоз воды", 41)),
             "после голосования жалоб на воду стало больше"),
    DemoVote("ДЕМО-Г-3", "tko_birikchul", "Где поставить новую контейнерную площадку в Бирикчуле?", "Бирикчуль",
             "ТКО (мусор)", 430, 10, (("У магазина", 96), ("У школы", 58), ("На въезде в село", 35)),
             "голосование до начала проблемы с вывозом"),
]
# A register of written appeals (59-ФЗ) as a СЭД exports it when nobody filled the theme: number, dates, executor,
# result, settlement and a summary only. The demo loads it through the real load path, so its themes come from the
# text classifier (theme_source 'predicted', or «Не определено» with a suggestion for the curator), and it plants a
# problem no list has a name for yet — night noise from a café on the square in Аскиз, growing in the last four
# weeks — for the «Новые проблемы» tab to find. None of its letters is in a planted hot spot's village, so the
# planted figures stay the generator's. (days before the end, executor, settlement, summary)
LETTERS_FILE = "демо_реестр_обращений_без_тем.csv"
LETTERS_HEADER = ["Рег. номер", "Дата регистрации", "Вид обращения", "Исполнитель", "Срок", "Дата ответа",
                  "Результат рассмотрения", "Населенный пункт", "Краткое содержание"]
UNTHEMED_LETTERS = [
    (54, "upr_zhkh", "Аскиз", "Нет горячей воды в доме по ул. Мира уже третий день, прошу восстановить подачу"),
    (52, "dor_otdel", "Балыкса", "Просим отремонтировать дорогу по ул. Школьной: ямы и выбоины по всей длине"),
    (50, "tko_operator", "Полтаков", "Не вывозят мусор с контейнерной площадки у магазина уже две недели"),
    (49, "crb", "Аскиз", "Нет записи к терапевту в поликлинике, талоны заканчиваются с утра"),
    (47, "adm_district", "Аскиз", "Громкая музыка из кафе на центральной площади до трёх часов ночи, невозможно спать"),
    (45, "upr_obr", "Бискамжа", "Прошу отремонтировать крышу школы: во время дождя протекает потолок в классах"),
    (44, "energo", "Усть-Чуль", "Частые отключения электроэнергии в вечернее время, перепады напряжения"),
    (42, "sp_admins", "Бельтирское", "Не горят фонари уличного освещения на ул. Центральной"),
    (40, "dor_otdel", "Вершина Теи", "Автобус до районного центра ходит с опозданием, отменили утренний рейс"),
    (38, "uszn", "Аскиз", "Прошу разъяснить порядок получения компенсации за оплату коммунальных услуг"),
    (37, "mup_zhkh", "Аскиз (посёлок)", "Из крана течёт ржавая вода, прошу проверить водопровод"),
    (35, "adm_district", "Аскиз", "Опять ночью шумит кафе у площади, музыка до утра"),
    (33, "eco", "Неожиданный", "Несанкционированная свалка на берегу реки за селом, прошу убрать"),
    (31, "dor_otdel", "Полтаков", "Не чистят дорогу от снега, машины не могут проехать к домам"),
    (27, "adm_district", "Аскиз", "Из кафе на центральной площади всю ночь громкая музыка и крики посетителей"),
    (26, "upr_kult", "Аскиз", "Просим организовать кружки для детей в сельском доме культуры"),
    (25, "adm_district", "Аскиз", "Прошу принять меры к кафе на площади: музыка и шум по ночам"),
    (23, "mup_zhkh", "Бискамжа", "В квартире холодные батареи, отопление не работает"),
    (22, "adm_district", "Аскиз", "Каждую ночь громкая музыка из кафе, жители ближайших домов не спят"),
    (20, "tko_operator", "Аскиз", "Контейнеры для мусора переполнены, мусор разносит по двору"),
    (18, "adm_district", "Аскиз", "Шум и музыка из кафе на площади после полуночи, просим проверить режим работы"),
    (16, "dor_otdel", "Усть-Есь", "Просим установить дорожный знак и пешеходный переход у школы"),
    (15, "adm_district", "Аскиз", "Ночная музыка из кафе у площади мешает спать детям"),
    (13, "crb", "Балыкса", "В фельдшерско-акушерском пункте нет фельдшера уже месяц"),
    (11, "adm_district", "Аскиз", "Кафе на центральной площади снова работает ночью с громкой музыкой"),
    (9, "sp_admins", "Пуланколь", "Просим починить детскую площадку: сломаны качели и горка"),
    (8, "adm_district", "Аскиз", "Громкая музыка и шум из кафе на площади до утра, просим принять меры"),
    (6, "upr_zhkh", "Аскиз", "Прорвало трубу водоснабжения на ул. Садовой, вода заливает дорогу"),
    (4, "adm_district", "Аскиз", "Снова ночью громкая музыка из кафе на площади"),
    (2, "dor_otdel", "Аскиз", "Яма на дороге у остановки по ул. Ленина, машины объезжают по встречной"),
]

VOTES_HEADER = ["ID голосования", "Название голосования", "Тема", "Населенный пункт", "Дата начала", "Дата окончания",
                "Количество участников", "Вариант ответа", "Количество голосов", "Доля голосов"]


def _hash(value: str) -> str:
    return hashlib.sha256(f"{DEMO_SALT}:{value}".encode()).hexdigest()[:16]


def _draw_base(rng, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Daily Poisson counts per subtheme with seasonality, a weekly rhythm and a gentle upward trend."""
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    months = days.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype(int) + 3) % 7  # 0 = Monday
    week = np.where(weekday >= 5, 0.55, 1.1)
    trend = 1 + 0.12 * (np.arange(len(days)) / 365)
    day_parts, sub_parts = [], []
    for i, (_theme, _sub, _executor, per_year, season) in enumerate(SUBTHEMES):
        season_arr = np.asarray(season, dtype=float)
        lam = VOLUME * per_year / 365 * season_arr[months] / season_arr.mean() * week * trend
        counts = rng.poisson(lam)
        day_parts.append(np.repeat(days, counts))
        sub_parts.append(np.full(counts.sum(), i))
    day_arr = np.concatenate(day_parts)
    sub_arr = np.concatenate(sub_parts)
    return pl.DataFrame({"day": day_arr.astype("datetime64[D]"), "sub_idx": sub_arr}).with_columns(
        pl.col("day").cast(pl.Date), spot=pl.lit(None, pl.String)
    )


def _draw_spots(rng, end: dt.date) -> pl.DataFrame:
    frames = []
    sub_index = {s[1]: i for i, s in enumerate(SUBTHEMES)}
    for spot in PLANTED_HOT_SPOTS:
        offsets = rng.integers(0, spot.days_before_end, spot.count)
        frames.append(pl.DataFrame({
            "day": [end - dt.timedelta(days=int(o)) for o in offsets],
            "sub_idx": [sub_index[spot.subtheme]] * spot.count,
            "spot": [spot.key] * spot.count,
        }))
    return pl.concat(frames).with_columns(pl.col("sub_idx").cast(pl.Int64))


def default_end() -> dt.date:
    """The demo's last day of data when none is given: yesterday, as an export made this morning holds. Ending
    today, it showed appeals received later today (a demo built at 16:50 held appeals of 23:59)."""
    return dt.date.today() - dt.timedelta(days=1)


def generate(seed: int = 42, years: int = 2, end: dt.date | None = None) -> pl.DataFrame:
    """The demo appeals as a frame with the columns of the `appeals` table."""
    end = end or default_end()
    start = end - dt.timedelta(days=365 * years - 1)
    rng = np.random.default_rng(seed)
    settlements = read_reference("settlements").with_columns(
        pl.col("lat", "lon").cast(pl.Float64), pl.col("population").cast(pl.Int64)
    )
    rules = Rules.load()
    deadlines = Deadlines(production_calendar(), rules)

    base = _draw_base(rng, start, end)
    spots = {s.key: s for s in PLANTED_HOT_SPOTS}
    df = pl.concat([base, _draw_spots(rng, end)]).sort("day", "sub_idx", "spot", nulls_last=False)
    n = df.height

    weights = settlements["population"].to_numpy().astype(float) ** 0.9
    settle_idx = rng.choice(settlements.height, n, p=weights / weights.sum())
    spot_col = df["spot"].to_list()
    sett_ids = settlements["settlement_id"].to_list()
    settle = [spots[s].settlement_id if s else sett_ids[i] for s, i in zip(spot_col, settle_idx)]
    sources = rng.choice(list(SOURCE_SHARE), n, p=list(SOURCE_SHARE.values()))

    # Time of receipt: letters in office hours, online channels around the clock (mostly daytime).
    hour = np.where(sources == "letters", rng.integers(9, 17, n), np.clip(rng.normal(14, 4, n), 0, 23.9))
    minute = np.minimum((hour * 60).astype(int) + rng.integers(0, 59, n), 24 * 60 - 1)
    received = df["day"].to_numpy().astype("datetime64[m]") + minute.astype("timedelta64[m]")
    kind = np.where(sources == "im", "инцидент",
                    np.where((sources == "pos") & (rng.random(n) < 0.9), "сообщение", "обращение"))
    extended = (sources == "letters") & (rng.random(n) < 0.06)
    frame = pl.DataFrame({
        "source": sources, "kind": kind,
        "received_at": received.astype("datetime64[us]"), "extended": extended,
    })
    due = deadlines.due_at(frame).to_numpy().astype("datetime64[m]")

    theme = [SUBTHEMES[i][0] for i in df["sub_idx"]]
    subtheme = [SUBTHEMES[i][1] for i in df["sub_idx"]]
    executor = [SUBTHEMES[i][2] for i in df["sub_idx"]]
    habit = np.array([HABITS.get(e, DEFAULT_HABIT) for e in executor])
    late_p, solved_p, never_p = habit[:, 0], habit[:, 1], habit[:, 2]
    spot_late = np.array([spots[s].late_share if s else np.nan for s in spot_col])
    late_p = np.where(np.isnan(spot_late), late_p, spot_late)

    # Answer: on time somewhere before the deadline, or late by up to three weeks.
    late = rng.random(n) < late_p
    allowed = (due - received).astype(np.int64)
    on_time = received + (allowed * rng.uniform(0.15, 0.95, n)).astype("timedelta64[m]")
    overdue = due + rng.integers(60, 21 * 1440, n).astype("timedelta64[m]")
    answered = np.where(late, overdue, on_time)
    as_of = np.datetime64(end) + np.timedelta64(1, "D")
    open_ = (answered >= as_of) | (rng.random(n) < never_p)
    rejected = ~open_ & (rng.random(n) < 0.01)

    solvable = rng.random(n) < np.select([sources == "pos", sources == "im"], [0.75, 0.55], 0.6)
    solved = solvable & (rng.random(n) < solved_p)
    refused = (sources == "letters") & ~solved & (rng.random(n) < 0.15)
    result = np.where(open_, None, np.where(solved, "решено", np.where(refused, "отказано", "разъяснено")))

    # Ratings: late answers and explanations where a fix was possible make people unhappy.
    spot_sat = np.array([spots[s].satisfied_share if s else np.nan for s in spot_col])
    mood = 4.3 - 1.6 * late - 1.1 * (solvable & ~solved) + rng.normal(0, 0.9, n)
    mood = np.where(np.isnan(spot_sat), mood, np.where(rng.random(n) < spot_sat, 4.6, 1.6))
    rating = np.clip(np.rint(mood), 1, 5).astype(int)
    rated = ~open_ & (rng.random(n) < np.select([sources == "pos", sources == "im"], [0.5, 0.35], 0.08))
    satisfied = np.where(rated, rating >= 4, None)
    rating_col = np.where(rated & (sources != "im"), rating, None)  # ИМ knows satisfaction, not a score

    spot_rep = np.array([spots[s].repeat_share if s else np.nan for s in spot_col])
    is_repeat = rng.random(n) < np.where(np.isnan(spot_rep), 0.06, spot_rep)
    applicants = rng.integers(0, 9000, n)
    spot_addr = {s.key: s.address for s in PLANTED_HOT_SPOTS}
    street = rng.choice(STREETS, n)
    house = rng.integers(1, 60, n)
    address = [spot_addr.get(s) or f"ул. {st}, {h}" for s, st, h in zip(spot_col, street, house)]
    names = dict(zip(sett_ids, settlements["name"].to_list()))
    coords = settlements.select("settlement_id", "lat", "lon")
    year2 = (received.astype("datetime64[Y]").astype(int) + 1970) % 100
    seq = np.arange(1, n + 1)
    external = np.select(
        [sources == "pos", sources == "im"],
        [np.char.add("POS-", (30_000_000 + seq * 7).astype(str)),
         (880_000_000 + seq * 13).astype(str)],
        np.char.add(np.char.add("ОГ-", seq.astype(str)), np.char.add("/", year2.astype(str))),
    )
    appeal_type = np.where(kind == "обращение", rng.choice(["заявление", "жалоба", "предложение"], n, p=[0.7, 0.2, 0.1]), None)
    answered_col = np.where(open_, np.datetime64("NaT"), answered)
    # Closed two days after the answer — by the state date: a closure after it is not known yet (the demo held
    # closures two days past its own state date).
    closing = answered + np.timedelta64(2, "D")
    closed_col = np.where(~open_ & (rated | (rng.random(n) < 0.6)) & (closing < as_of), closing, np.datetime64("NaT"))
    since = (as_of - received).astype("timedelta64[h]").astype(int)
    status = np.where(rejected, "rejected", np.where(~open_, np.where(~np.isnat(closed_col), "closed", "answered"),
                                                       np.where(since < 48, "new", "in_progress")))

    out = pl.DataFrame({
        "source": sources, "kind": kind, "appeal_type": pl.Series(appeal_type.tolist(), dtype=pl.String),
        "external_id": external,
        "received_at": received.astype("datetime64[us]"),
        "due_at": due.astype("datetime64[us]"), "extended": extended,
        "answered_at": answered_col.astype("datetime64[us]"), "closed_at": closed_col.astype("datetime64[us]"),
        "status": status, "theme": theme, "subtheme": subtheme, "settlement_id": settle,
        "address": address, "executor_id": executor,
        "result": pl.Series(result.tolist(), dtype=pl.String), "solvable": solvable,
        "rating": pl.Series(rating_col.tolist(), dtype=pl.Int8),
        "satisfied": pl.Series(satisfied.tolist(), dtype=pl.Boolean),
        "is_repeat": is_repeat, "applicant_hash": [_hash(str(a)) for a in applicants],
        "spot": spot_col,
    })
    jitter = rng.normal(0, 0.004, (n, 2))
    out = out.join(coords, on="settlement_id", how="left", maintain_order="left").with_columns(
        # Only ПОС messages carry the problem's coordinates.
        lat=pl.when(pl.col("source") == "pos").then(pl.col("lat") + jitter[:, 0]),
        lon=pl.when(pl.col("source") == "pos").then(pl.col("lon") + jitter[:, 1]),
        text=pl.format("{}. {}, {}.", pl.col("subtheme"), pl.col("settlement_id").replace_strict(names), pl.col("address")),
        # Keyed as a load keys them (etl.frames.appeal_id_expr): a register's letters with the year, as its profile says.
        appeal_id=appeal_id_expr(pl.format("{}:", pl.col("source")), pl.col("source").is_in(
            [p.source for p in builtin_profiles() if p.id_restarts == "year"])),
        source_file=pl.lit("demo"),
        source_row=pl.int_range(1, n + 1, dtype=pl.Int32),
        loaded_at=pl.lit(dt.datetime.combine(end, dt.time(23, 0))),
    )
    return out


def _reach(seed: int, out: pl.DataFrame) -> pl.DataFrame:
    """ИМ incidents get an audience and an engagement (the post's reach); other channels have none.

    Drawn from a generator of their own, so the figures of every other column stay as they were."""
    rng = np.random.default_rng([seed, 9])
    n = out.height
    # Most posts are seen by a few hundred to a few thousand people; a few go viral in the district.
    audience = np.rint(rng.lognormal(7.2, 1.1, n) * np.where(out["spot"].is_not_null().to_numpy(), 3, 1))
    engagement = np.rint(audience * rng.beta(2, 40, n))
    im = (out["source"] == "im").to_numpy()
    return out.with_columns(
        audience=pl.Series(np.where(im, audience, np.nan)).fill_nan(None).cast(pl.Int64),
        engagement=pl.Series(np.where(im, engagement, np.nan)).fill_nan(None).cast(pl.Int64),
    )


def write_demo(con, seed: int = 42, years: int = 2, end: dt.date | None = None) -> int:
    """Insert the demo appeals into an open database with the model; returns the number of rows."""
    # Generated as the exports would give them: each theme is the export's own.
    df = _reach(seed, generate(seed, years, end)).drop("spot").with_columns(theme_source=pl.lit("export"))
    cols = ", ".join(df.columns)
    con.execute(f"INSERT INTO appeals ({cols}) SELECT {cols} FROM df")
    # Marked as the demo (pages say «ДЕМО»), described as of its end day like an export made that day.
    end = end or default_end()
    con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true'), ('as_of', ?)", [end.isoformat()])
    return df.height


def votes_export(end: dt.date) -> str:
    """The demo's votes as the votes export writes them (etl/profiles/votes.toml): one row per option."""
    lines = ["\t".join(VOTES_HEADER)]
    for v in DEMO_VOTES:
        start = end - dt.timedelta(days=v.started_before_end)
        stop = start + dt.timedelta(days=v.days - 1)
        total = sum(n for _, n in v.options)
        for option, n in v.options:
            share = f"{n / total * 100:.1f}".replace(".", ",") + " %"
            lines.append("\t".join([v.vote_id, v.title, v.theme, v.settlement, start.strftime("%d.%m.%Y"),
                                    stop.strftime("%d.%m.%Y"), str(total), option, str(n), share]))
    return "\n".join(lines) + "\n"


def letters_export(end: dt.date) -> str:
    """UNTHEMED_LETTERS as the register without a theme column (etl/profiles/letters.toml reads it): answered in
    ten days when older than two weeks, the 59-ФЗ thirty days to answer."""
    import csv
    import io

    names = dict(read_reference("executors").select("executor_id", "name").iter_rows())
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(LETTERS_HEADER)
    for i, (before, executor, settlement, text) in enumerate(UNTHEMED_LETTERS, 1):
        day = end - dt.timedelta(days=before)
        answered = day + dt.timedelta(days=10) if before > 14 else None
        w.writerow([f"ДЕМО-П-{i}", day.strftime("%d.%m.%Y"), "Индивидуальное", names[executor],
                    (day + dt.timedelta(days=30)).strftime("%d.%m.%Y"),
                    answered.strftime("%d.%m.%Y") if answered else "", "Разъяснено" if answered else "",
                    settlement, text])
    return out.getvalue()


def build_demo(path: Path, seed: int = 42, years: int = 2, end: dt.date | None = None) -> tuple[int, int]:
    """Build the demo database at `path`: the appeals, then the votes and a register of letters without themes,
    each loaded from an export file through the real load path. Returns (appeals, vote option rows loaded)."""
    from etl.build import new_database
    from etl.load import load_file

    end = end or default_end()
    with new_database(path) as con:
        n = write_demo(con, seed=seed, years=years, end=end)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "демо_голосования.tsv"
        export.write_text(votes_export(end), encoding="utf-8")
        report = load_file(export, source="votes", db=path)
        if not report.ok or report.rejected:
            raise RuntimeError(f"Демо-голосования не загрузились: {report.message}")
        letters = Path(tmp) / LETTERS_FILE
        letters.write_text(letters_export(end), encoding="utf-8")
        written = load_file(letters, source="letters", db=path)
        if not written.ok or written.rejected or written.loaded != len(UNTHEMED_LETTERS):
            raise RuntimeError(f"Демо-реестр обращений не загрузился: {written.message}")
    return n + written.loaded, report.loaded
