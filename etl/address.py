"""The problem's address (appeals.address) masked: as a text is (etl.privacy.mask_expr: names, phones, e-mails, flats),
and a person named after the house number, where the text masks see a lone word and leave it («Полтаков, ул. Ленина,
10-5, ИВАНОВ»: a lone surname needs a word for a person before it in a text, in an address it has none). A street after
its place word stays, whoever it is named after («ул. Карла Маркса», «улица Петрова»): the text masks know them.

Its own fingerprint (ADDRESS_VERSION) is kept in the database's meta beside the text masks': a database whose addresses
were masked by other rules has them masked again (etl.build.remask_stored)."""
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
    («пересечение 12 Степного пер. и 5 Кислинского»)."""
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
                or any(p.search(address, 0, e) for p in (privacy._PLACE_BEFORE, privacy._PLACE_PREPOSITION,
                                                          _CROSSING_BEFORE) for e in {a, _ordinal(address, a)}) \
                or privacy._ORG_BEFORE.search(address, max(0, a - 40), a) \
                or _PLACE_AFTER.match(address, m.end()) or _HOUSE_AFTER.match(address, m.end()) \
                or not all(privacy._name_kind(w)
                           or (privacy._SURNAME_SHAPE.fullmatch(w) and not privacy._common_word(w))
                           for w in (w.capitalize() for w in words)):
            continue
        if spans and address[spans[-1][1]:a].strip(" \t,") == "":
            spans[-1] = (spans[-1][0], m.end())     # «ИВАНОВ ИВАН»: one name
        else:
            spans.append(m.span())
    for a, b in reversed(spans):
        address = address[:a] + privacy.NAME_MARK + address[b:]
    return address


# An address of the plain shape — up to two settlements, a street with its place word, a house, a flat — has no one in
# it the name masks would find (a name after a street's place word stays): only the patterns (a flat) are applied to
# it. The name masks read a street named after a person with their models (10 000 distinct such addresses: 7,9 s);
# real addresses are nearly all of this shape. A patronymic in it sends it to the name masks all the same.
_PLACE = (r"(?i:ул|улица|пр|пр-т|пр-кт|просп|проспект|пер|переулок|пл|площадь|б-р|бульвар|наб|набережная|шоссе|проезд"
          r"|тупик|мкр|микрорайон|аллея|тракт|квартал)\.?")
_WORD = r"(?:\d{1,3}-?[а-яё]{0,2}|[А-ЯЁа-яё][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*)"
_PLAIN = (r"^\s*(?:(?:(?i:г|с|д|п|х|пос|пгт|рп|село|город|деревня)\.?\s*)?[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*"
          r"\s*,\s*){0,2}"
          rf"(?:{_PLACE}\s*(?:{_WORD}\s+){{0,3}}{_WORD}|(?:{_WORD}\s+){{0,2}}{_WORD}\s+{_PLACE})"
          r"(?:\s*,?\s*(?:(?i:д\.?|дом)\s*)?№?\s*\d+\s?[а-яёА-ЯЁ]?(?:\s?[/-]\s?\d+\s?[а-яёА-ЯЁ]?)?"
          r"(?:\s*(?i:корп\.?|корпус|к\.|стр\.?)\s*\d+)?)?"
          r"(?:\s*,?\s*(?i:кв\.?|квартира)\s*№?\s*\d+[а-яё]?)?\s*$")
_PATRONYMIC = r"[а-яё](?:ович|евич|ьич|овн|евн|ичн)"


def _mask_addresses(s: pl.Series) -> pl.Series:
    out = privacy.mask_patterns(s)
    rest = (~(s.str.contains(_PLAIN) & ~s.str.contains(_PATRONYMIC))).fill_null(False)
    if rest.any():
        masked = pl.select(privacy.mask_expr(pl.lit(s.filter(rest)))).to_series()
        masked = per_distinct(masked, lambda d: pl.Series(
            d.name, [None if v is None else _tail_names(v) for v in d.to_list()], dtype=pl.String))
        out = out.scatter(rest.arg_true(), masked)
    return out.alias(s.name)


def mask_address_expr(expr: pl.Expr) -> pl.Expr:
    """The problem's address masked (the module's doc), each distinct value once."""
    return expr.map_batches(_mask_addresses, return_dtype=pl.String, is_elementwise=True)


# The address's own rules (the text masks have their fingerprint, privacy.masks_version).
ADDRESS_VERSION = hashlib.sha256(repr((_HOUSE.pattern, _TAIL_WORD.pattern, _CROSSING_BEFORE.pattern,
                                       _HOUSE_AFTER.pattern, _PLACE_AFTER.pattern, _PLAIN, _PATRONYMIC))
                                 .encode()).hexdigest()[:16]
