"""The problem's address (appeals.address) masked: as a text is (etl.privacy.mask_expr: names, phones, e-mails, flats),
and a person named after the house number, where the text masks see a lone word and leave it («Полтаков, ул. Ленина,
10-5, ИВАНОВ»: a lone surname needs a word for a person before it in a text, in an address it has none). A street after
its place word stays, whoever it is named after («ул. Карла Маркса», «улица Петрова»): the text masks know them.

Its own fingerprint (ADDRESS_VERSION) is kept in the database's meta beside the text masks': a database whose addresses
were masked by other rules has them masked again (etl.build.remask_stored)."""
import functools
import hashlib
import re

import polars as pl

from core.text import per_distinct
from etl import privacy

# A house number: «5», «д. 7», «дом 12», «37Б», «10/3», «10-5», «№ 78»; not an ordinal («1-я Полевая», «3й Московский»).
_HOUSE = re.compile(r"(?<![\w-])(?:(?i:д\.|дом)\s*|№\s*)?\d+(?:\s?[а-ик-юА-ИК-ЮёЁ](?![а-яёА-ЯЁ]))?"
                    r"(?:\s?[/-]\s?\d+(?:\s?[а-яёА-ЯЁ](?![а-яёА-ЯЁ]))?)?(?![\w-])")
# A word after it, capitalised or in capitals, double ones too; with initials after it, if any.
_TAIL_WORD = re.compile(r"(?<![\w.\[-])(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,})(?:-(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,}))?(?![\w\]-])"
                        r"(?:\s*[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.?)?)?")
# Before a word, what makes it a street or a crossing, not a person: «5 и Гагарина», «5 / Мира», «угол Мира»; a
# settlement's one-letter word without its dot too («в п Кшенский»).
_CROSSING_BEFORE = re.compile(r"(?i:(?<![\w-])(?:и|п|с|г|д|х)|/|[\s,]угол\w*|[\s,]пересечени\w*|[\s,]перекр[её]ст\w*)"
                              r"[\s,]*$")
# After it, a house number (a street without its place word: «50б, Конорева 4») or a place word («3-й Краснополянский
# переулок»).
_HOUSE_AFTER = re.compile(r",?\s*(?:д\.|дом)?\s*\d")
_PLACE_AFTER = re.compile(r"\s+" + privacy._PLACE_WORDS)


def _ordinal(address: str, a: int) -> int:
    """Where a number right before the word at `a` starts (or `a`): read as the street's ordinal after a crossing word
    («пересечение 12 Степного пер. и 5 Кислинского») or right after a place word («ул. 8 Марта»); after a street's name
    it is the house («ул. Мира 5 Рахимов»)."""
    m = re.search(r"\d+\s+$", address[:a])
    return m.start() if m else a


def _tail_names(address: str) -> str:
    """The words after the address's first house number that read as a name (the dictionary's first name, surname or
    patronymic, or a surname's shape that is no common word) masked, unless a place word, a crossing, an organisation,
    quotes or a settlement of the reference say they are not a person."""
    house = _HOUSE.search(address)
    if house is None or house.start() == 0 or not re.search(r"[А-ЯЁ]", address[house.end():]):
        return address
    places = privacy._known_places()
    folded = address.replace("ё", "е").replace("Ё", "Е")
    known = [m.span() for m in places.finditer(folded)] if places is not None else []
    spans = []
    for m in _TAIL_WORD.finditer(address, house.end()):
        a = m.start()
        words = re.match(r"[\w-]+", m.group()).group().split("-")
        if any(x <= a < y for x, y in known) or (a > 0 and address[a - 1] in privacy._QUOTES) \
                or any(p.search(address, 0, a) for p in (privacy._PLACE_BEFORE, privacy._PLACE_PREPOSITION,
                                                          _CROSSING_BEFORE)) \
                or any(p.search(address, 0, _ordinal(address, a)) for p in (
                    privacy._PLACE_RIGHT_BEFORE, privacy._PLACE_PREPOSITION, _CROSSING_BEFORE)) \
                or privacy._ORG_BEFORE.search(address, max(0, a - 40), a) \
                or _PLACE_AFTER.match(address, m.end()) or _HOUSE_AFTER.match(address, m.end()) \
                or not all(privacy._name_kind(w)
                           or (privacy._SURNAME_SHAPE.fullmatch(w) and not privacy._common_word(w))
                           or (_INDECLINABLE.fullmatch(w) and not _place_reading(w))
                           for w in (w.capitalize() for w in words)):
            continue
        if spans and address[spans[-1][1]:a].strip(" \t,") == "":
            spans[-1] = (spans[-1][0], m.end())     # «ИВАНОВ ИВАН»: one name
        else:
            spans.append(m.span())
    spans = [(a, b) for a, b in spans if not _LONE_WORD.fullmatch(address, a, b)
             or _lone_person(address[a:b], after_flat=bool(_FLAT_BEFORE.search(address, 0, a)))
             or re.search(r"[а-яё]\s+$", address[:a])]     # after a word for one: «подъезд Сидорова», «дом Иванова»
    for a, b in reversed(spans):
        address = address[:a] + privacy.NAME_MARK + address[b:]
    return _head_names(address)


# One word after the house, alone in its part (no word before it), with no first name, initials or patronymic
# beside it, may be a town («ул. Ленина, 5,
# Курчатов») or a cross street («ул. Ленина 5, Кирова»): masked only when in capitals («ИВАНОВ») or when it can be
# neither — no reading of it is a place in the nominative, nor a surname in the genitive (a street named after one).
_LONE_WORD = re.compile(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?")
# Towns named after a person that the dictionary knows only as a surname.
_TOWNS = frozenset({"Кропоткин", "Лермонтов"})


@functools.lru_cache(maxsize=20_000)
def _place_reading(word: str) -> bool:
    """The dictionary reads the word as a place standing alone (nominative: «Курчатов», «Королёв», «Омск»)."""
    return word in _TOWNS or any(p.is_known and {"Geox", "nomn"} <= p.tag.grammemes for p in privacy._morph().parse(word))


def _lone_person(word: str, after_flat: bool = False) -> bool:
    """A lone word after the house is a person's unless it reads as a town, or — not after a flat, where no cross street
    follows — as one of the common streets named after a person («Кирова»): «Петрова», «Смирнова» are far more often
    someone's (tester55: women's surnames were kept as cross streets, men's masked)."""
    if word.isupper() and len(word) > 1:
        return True
    word = word.capitalize()
    return not _place_reading(word) and (after_flat or word.replace("ё", "е") not in _STREETS_AFTER_PEOPLE)


# After a flat number no cross street comes.
_FLAT_BEFORE = re.compile(r"(?i:(?<![\w-])(?:кв|квартира)\.?\s*№?\s*(?:\d|\[скрыто\]))")
# An indeclinable surname («Белых», «Седых», «Долгих»): a common word to the dictionary, a name after a house.
_INDECLINABLE = re.compile(r"[А-ЯЁ][а-яё]+(?:ых|их)")
# Single-word streets named after a person, in the genitive, that a district's addresses name after the house as a
# cross street («ул. Ленина 5, Кирова»); ё as е.
_STREETS_AFTER_PEOPLE = frozenset(
    "Ленина Кирова Пушкина Гагарина Горького Ломоносова Гоголя Лермонтова Толстого Некрасова Мичурина Калинина "
    "Куйбышева Чкалова Фрунзе Свердлова Дзержинского Жукова Суворова Кутузова Маяковского Островского Тургенева "
    "Чапаева Щорса Ворошилова Орджоникидзе Менделеева Циолковского Чернышевского Шевченко Крупской Тельмана Энгельса "
    "Маркса Халтурина Володарского Урицкого Луначарского Белинского Герцена Грибоедова Есенина Достоевского Чехова "
    "Королева Комарова Титова Матросова Кошевого Буденного Карбышева Лазо Советская Коминтерна".split())


def _name_word(word: str) -> bool:
    """A first name, surname or patronymic of the dictionary, or a surname's shape that is no common word."""
    return bool(privacy._name_kind(word)
                or (privacy._SURNAME_SHAPE.fullmatch(word) and not privacy._common_word(word)))


# (not a street without its place word, a house after it: «Гагарина, 14»)
_HEAD_PART = re.compile(r"\s*([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:\s+[А-ЯЁ][а-яё]+){0,2})\s*,(?!\s*(?:д\.|дом)?\s*№?\s*\d)")


def _head_names(address: str) -> str:
    """The parts before the street that read as a person's name masked («Иванов, ул. Мира 5», «Сидорова, Аскиз, ул.
    Мира 5»): every word a name, none a place, and not a settlement of the reference."""
    places = privacy._known_places()
    pos, spans = 0, []
    while m := _HEAD_PART.match(address, pos):
        part = m.group(1)
        if not (places is not None and places.fullmatch(part.replace("ё", "е").replace("Ё", "Е"))) \
                and all(_name_word(w) and not _place_reading(w) for w in part.split()):
            spans.append(m.span(1))
        pos = m.end()
    for a, b in reversed(spans):
        address = address[:a] + privacy.NAME_MARK + address[b:]
    return address


# An address of the plain shape — up to two settlements, a street with its place word, a house, a flat, nothing after
# them — has no one in it the name masks would find (a name after a street's place word stays): only the patterns (a
# flat) are applied to it. The name masks read a street named after a person with their models (10 000 distinct such
# addresses: 7,9 s); real addresses are nearly all of this shape. A word that may be a person never makes it plain: a
# settlement has its kind word («г. Курск», «с. Кызлас») or is one of the reference's (_known_head: «Иванов, ул. Мира 5»
# is a person), a number is only the first word of a street's name («ул. 2-я Поселковая», not «ул. Мира 7 Сидоров»,
# where «Сидоров» follows the house). A patronymic in it sends it to the name masks all the same.
_PLACE = (r"(?i:ул|улица|пр|пр-т|пр-кт|просп|проспект|пер|переулок|пл|площадь|б-р|бульвар|наб|набережная|шоссе|проезд"
          r"|тупик|мкр|микрорайон|аллея|тракт|квартал)\.?")
_NUMBER = r"\d{1,3}-?[а-яё]{0,2}"
_NAME = r"[А-ЯЁа-яё][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*"
_SETTLEMENT = r"[А-ЯЁ][а-яё]+(?:[\s-][А-ЯЁ][а-яё]+)*"
_KIND = r"(?i:г|с|д|п|х|пос|пгт|рп|село|город|деревня)\.?\s*"
_STREET_HOUSE_FLAT = (
    rf"(?:{_PLACE}\s*(?:{_NUMBER}\s+)?(?:{_NAME}\s+){{0,3}}{_NAME}|(?:{_NUMBER}\s+)?(?:{_NAME}\s+){{0,2}}{_NAME}\s+{_PLACE})"
    r"(?:\s*,?\s*(?:(?i:д\.?|дом)\s*)?№?\s*\d+\s?[а-яёА-ЯЁ]?(?:\s?[/-]\s?\d+\s?[а-яёА-ЯЁ]?)?"
    r"(?:\s*(?i:корп\.?|корпус|к\.|стр\.?)\s*\d+)?)?"
    r"(?:\s*,?\s*(?i:кв\.?|квартира)\s*№?\s*\d+[а-яё]?)?\s*$")
# The settlements before the street, each with its kind word or bare (then known to the reference, _known_head).
_PLAIN = rf"^\s*((?:(?:{_KIND})?{_SETTLEMENT}\s*,\s*){{0,2}})" + _STREET_HOUSE_FLAT
_PATRONYMIC = r"[а-яё](?:ович|евич|ьич|овн|евн|ичн)"


def _known_head(head: str) -> bool:
    """Every settlement before the street has its kind word or is the reference's, whole."""
    places = privacy._known_places()
    for part in head.split(","):
        part = part.strip()
        if part and not re.match(_KIND + r"[А-ЯЁ]", part) and not (
                places is not None and places.fullmatch(part.replace("ё", "е").replace("Ё", "Е"))):
            return False
    return True


def _plain(s: pl.Series) -> pl.Series:
    """The addresses of the plain shape (above), False for an empty one."""
    shaped = (s.str.contains(_PLAIN) & ~s.str.contains(_PATRONYMIC)).fill_null(False)
    if not shaped.any():
        return shaped
    head = s.str.extract(_PLAIN, 1)
    known = per_distinct(head.filter(shaped), lambda d: pl.Series(
        d.name, [v is not None and _known_head(v) for v in d.to_list()], dtype=pl.Boolean))
    # nor a person between the street's name and the house: «ул. Мира Иванов 5» has the shape of «ул. Карла Маркса 5»
    nobody = per_distinct(s.filter(shaped), lambda d: pl.Series(
        d.name, [not privacy._street_person_spans(v) for v in d.to_list()], dtype=pl.Boolean))
    return shaped.scatter(shaped.arg_true(), known & nobody)


def names(address: str) -> str:
    """The names the text masks leave in an address (after mask_expr): after the house, and before the street."""
    return _head_names(_tail_names(address))


# A name in quotes after a word for a firm is the firm's («магазин «У Петровича»»): kept out of the text masks, which
# read a patronymic there as a person, and put back after them.
_FIRM_QUOTED = re.compile(privacy._ORG_WORDS + r"\s*[«\"“„]([^«»\"“”„]{1,80})[»\"”“]")
_HIDDEN = "\ue000"     # a private-use character: no mask reads it


def _hide_firms(address: str) -> str:
    return _FIRM_QUOTED.sub(lambda m: m.group().replace(m.group(1), _HIDDEN), address)


def _names_firms_back(original: str, masked: str) -> str:
    masked = names(masked)
    for m in _FIRM_QUOTED.finditer(original):
        masked = masked.replace(_HIDDEN, m.group(1), 1)
    return masked


def _mask_addresses(s: pl.Series) -> pl.Series:
    out = privacy.mask_patterns(s)
    rest = ~_plain(s)
    if rest.any():
        kept = s.filter(rest)
        firms = kept.str.contains(_FIRM_QUOTED.pattern).fill_null(False)
        hidden = kept.clone().scatter(firms.arg_true(), [_hide_firms(v) for v in kept.filter(firms).to_list()]) \
            if firms.any() else kept
        masked = pl.select(privacy.mask_expr(pl.lit(hidden))).to_series()
        pairs = pl.DataFrame({"o": kept, "m": masked})
        distinct = pairs.unique(maintain_order=True)
        distinct = distinct.with_columns(pl.Series("n", [
            None if m is None else _names_firms_back(o, m) if _HIDDEN in m else names(m)
            for o, m in distinct.iter_rows()], dtype=pl.String))
        masked = pairs.join(distinct, on=["o", "m"], how="left", nulls_equal=True, maintain_order="left")["n"]
        out = out.scatter(rest.arg_true(), masked)
    return out.alias(s.name)


def mask_address_expr(expr: pl.Expr) -> pl.Expr:
    """The problem's address masked (the module's doc), each distinct value once."""
    return expr.map_batches(_mask_addresses, return_dtype=pl.String, is_elementwise=True)


# The address's own rules (the text masks have their fingerprint, privacy.masks_version).
ADDRESS_VERSION = hashlib.sha256(repr((_HOUSE.pattern, _TAIL_WORD.pattern, _CROSSING_BEFORE.pattern,
                                       _HOUSE_AFTER.pattern, _PLACE_AFTER.pattern, _PLAIN, _PATRONYMIC,
                                       _LONE_WORD.pattern, sorted(_TOWNS), _HEAD_PART.pattern, _FLAT_BEFORE.pattern,
                                       _INDECLINABLE.pattern, sorted(_STREETS_AFTER_PEOPLE),
                                       privacy._STREET_PERSON.pattern))
                                 .encode()).hexdigest()[:16]
