"""Russian number and date formats: 1 234,5; 22.11.2026; 12,3 %."""
import datetime as dt

NBSP = "\u00a0"
DASH = "—"


def num(value, digits: int = 0, unit: str = "") -> str:
    """1234.5 → «1 234,5» (grouping with a no-break space, decimal comma) followed by `unit`; None → «—»."""
    if value is None or value != value:  # NaN
        return DASH
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",") + unit


def pct(share, digits: int = 1) -> str:
    """0.123 → «12,3 %»."""
    return DASH if share is None or share != share else f"{num(share * 100, digits)}{NBSP}%"


def date(value) -> str:
    """A date or datetime → «22.11.2026»."""
    if value is None:
        return DASH
    return value.strftime("%d.%m.%Y")


def signed(value, digits: int = 0, suffix: str = "") -> str | None:
    """A change for st.metric's delta: «+12», «-3,5 п.п.»; None when there is nothing to compare.

    An ASCII minus on purpose: st.metric reads the sign to pick the arrow and colour."""
    if value is None or value != value:
        return None
    value = round(value, digits)  # no «-0,0»: a change too small to show has no sign
    sign = "+" if value > 0 else ("-" if value < 0 else "")
    return f"{sign}{num(abs(value), digits)}{suffix}"


def minus(text: str | None) -> str | None:
    """A signed figure as shown to a reader: «-3,5 п.п.» → «−3,5 п.п.» (the minus sign, not a hyphen)."""
    return text and text.replace("-", "\u2212")


MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"]


def month(value: dt.date) -> str:
    """2026-03-01 → «март 2026»."""
    return f"{MONTHS[value.month - 1]} {value.year}"


MONTHS_SHORT = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]


def month_short(value: dt.date) -> str:
    """2026-03-01 → «мар 2026» (a chart's axis, where the whole name does not fit)."""
    return f"{MONTHS_SHORT[value.month - 1]} {value.year}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for n: 1 обращение, 3 обращения, 5 обращений, 21 обращение."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    """The number with its noun: «1 234 обращения»."""
    return f"{num(n)} {plural(n, one, few, many)}"
