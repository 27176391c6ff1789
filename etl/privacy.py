"""Personal data at load (152-ФЗ; 59-ФЗ ст. 6): free text masked, the applicant kept only as a salted hash.

Masking runs in two stages. Patterns (Rust regex over whole columns, fast) replace contacts, profile links,
dates of birth and flat numbers. Names need context, so the second stage runs in Python on each distinct
value that has a capitalised word: name patterns (a patronymic in any case, initials, «меня зовут …», a
greeting), pymorphy3's dictionary of first names, surnames and patronymics, and natasha's Russian news NER
(shipped inside the package, offline, loaded once on first use). NER costs milliseconds, so it reads only
the sentences a cheap check flags (a capitalised pair, a patronymic ending, initials, «зовут», a word for a
person before a capitalised word, or a word the dictionary knows as a name): on real ПОС texts one
sentence in seven. Streets, settlements and organisations named after people stay («ул. Карла Маркса»,
«школа имени Пушкина», «УК Аврора»); officials' names are masked like anyone's, their positions stay.

The salt lives outside the database ($MCU_SALT or data/salt.key, created on first use and never committed),
so the hashes in a copied database cannot be matched against a list of names.
"""
import contextlib
import functools
import hashlib
import os
import re
import secrets
import threading
import typing
from pathlib import Path

import polars as pl

from core.text import per_distinct
from core.settings import ROOT

SALT_FILE = ROOT / "data" / "salt.key"
NAME_MARK = "[ФИО]"

# A digit-group separator inside a phone number: space, no-break space, dashes (not dots: «7.02.2022 12.03»).
_SEP = r"[\s\u00a0‐‑–-]"
_DATE = r"\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})"
# A word boundary beside digits, ASCII only: with a Unicode \b on Cyrillic text the regex engine leaves its fast
# automaton, and a pattern over 50 000 real texts took 0,55 s instead of 0,05. Beside a digit it differs only where
# a digit touches a letter of another alphabet, which no number these masks look for does.
_B = r"(?-u:\b)"
# «г.р.», «г. р», «гр.»: the р must not begin a word («г. Ржава»).
_GR = r"г\.?\s?р(?:\.|\b)"
# A date with its month in words: «12 марта 1950».
_DATE_W = r"\d{1,2}\s+(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)\s+\d{4}"
# And its day in words: «пятое марта 1950», «двадцать третьего февраля 1961» (after «родилась», «дата рождения» only).
_DATE_WW = (r"(?i:(?:(?:двадцать|тридцать)\s+)?(?:(?:перв|втор|четв[её]рт|пят|шест|седьм|восьм|девят|десят|одиннадцат"
            r"|двенадцат|тринадцат|четырнадцат|пятнадцат|шестнадцат|семнадцат|восемнадцат|девятнадцат|двадцат|тридцат)"
            r"(?:ое|ого)|трет(?:ье|ьего)))" + _DATE_W[len(r"\d{1,2}"):])
# A car's registration plate: a letter, three digits, two letters, the region — Cyrillic letters that have a Latin
# twin, or those twins. Written together («К777КК55», «х123ор 155») in any case; spaced («А 123 ВС 19») only in
# capitals: «в 120 км от города» is a distance.
_PLATE_L = "АВЕКМНОРСТУХABEKMHOPCTYX"
# What may stand beside one: a space or a punctuation mark (a Unicode [^\w] here cost 3× the time).
_NOT_WORD = r"[\s(),.:;!?№\"«»'/]"

# (pattern, replacement) in order; Rust regex syntax (no look-around), applied to whole columns.
MASKS = [
    # VK mentions: a person → placeholder; a community keeps its (organisation) name.
    (r"\[id\d+\|[^\]]*\]", "[пользователь]"),
    (r"\[(?:club|public)\d+\|([^\]]*)\]", "$1"),
    # An address of any domain, punycode (xn--p1ai) and Cyrillic ones (почта.рф) included.
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "[email]"),
    # One written to get past a robot: «ivan[at]mail.ru», «ivan(собака)mail.ru», «ivan.petrov @ mail.ru» (a space after
    # the @: «Отметил @maria.sidorova» is a handle); and in words, its name in Latin letters («ivanov собака mail точка
    # ru», «ivan at mail dot ru»: «собака бегает.Жители» is a dog).
    (r"[\w.+-]+(?:\s*[\[(](?i:at|собака)[\])]\s*|\s*@\s+)[\w-]+(?:\.[\w-]+)+"
     r"|[A-Za-z0-9._+-]+(?:\s*[\[(](?i:at|собака)[\])]\s*|\s+(?i:at|собака)\s+)[A-Za-z0-9-]+"
     r"(?:(?:\.|\s*[\[(](?i:dot|точка)[\])]\s*|\s+(?i:dot|точка)\s+)[A-Za-z0-9-]+)+", "[email]"),
    (r"(?i)(?:https?://)?(?:www\.|m\.)?(?:vk\.com|vk\.ru|ok\.ru|t\.me|telegram\.me|web\.telegram\.org|"
     r"facebook\.com|fb\.com|instagram\.com|dzen\.ru|max\.ru|youtube\.com/@|tiktok\.com/@)/?\S*", "[ссылка]"),
    # A handle: «@ivan_petrov»; without its @ after a messenger's name or «ник»: «tg: ivan_petrov», «телеграм ivan_petrov», «ник
    # в телеге — ivanpetrov90» (Latin letters, digits, «_» and inner dots; a dot that ends the sentence stays). One pattern:
    # polars keeps 32 compiled patterns, and a column of several chunks through more compiled each again for each chunk
    # (50 000 real texts in 25 chunks: 1,3 s → 3,2 s) — test_privacy_context.test_the_pattern_masks_fit_polars_cache.
    (r"(^|[\s(,])@[A-Za-z0-9_.]{3,}"
     r"|(?i)((?:^|[\s(,.:;«\"])(?:tg|тг|telegram|телеграм[а-яё]*|телег[аеуи]|ник|никнейм|логин|username|юзернейм"
     r"|инст[аеуы]|инстаграм[а-яё]*|insta|instagram|skype|скайп[а-яё]*|discord|дискорд[а-яё]*)(?:\s+в\s+[а-яё]+)?"
     r"[\s:—–-]+)[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*(?-u:\b)", "${1}${2}[пользователь]"),
    # A VK account's number: «мой id в вк 123456789».
    (r"((?-u:\b)(?i:id)\s*(?:в\s+)?(?:вк|ВК|vk|VK|вконтакте|ВКонтакте)[\s:№]*)\d{5,12}(?-u:\b)", "${1}[пользователь]"),
    # Dates of birth: «04.06.2018 г.р.», «1948 г.р.», «07.02.1942 года рождения», «дата рождения 08.06.1989».
    # («12 марта 1950 года», «пятое марта 1950 года» too)
    # («Дата рожд. 01.01.1980», and «ДР» in capitals on its own: «мой ДР: 01.01.1980»; the mark before it kept, not a Unicode
    # \b: 0,12 s of 50 000 real texts, 0,05 so)
    (rf"(?:(?i:дата\s+рожд(?:ения|\.)|д\.\s?р\.|родил(?:ся|ась))|(^|[\s(,.:;])ДР)[\s:,–-]*(?:{_DATE}|{_DATE_W}|{_DATE_WW})"
     r"(?:\s*(?:г\.|года?))?", "${1}[дата рождения]"),
    (rf"{_B}{_DATE_W}\s*(?:{_GR}|(?:г\.|года?)\s+рождения)", "[дата рождения]"),
    (rf"(?:{_B}{_DATE}|{_B}\d{{4}})\s*(?:{_GR}|(?:г\.|года?)\s+рождения)", "[дата рождения]"),
    # Identity documents and accounts (before the phones, which would take a part of their digits): a passport's
    # series and number after «паспорт»/«серия» («Серия номер 3816 114077», «серия 38 16 № 114077»); СНИЛС after its
    # name, and in its own shape «170-581-285 65» anywhere; 16 digits, grouped or not (an ОМС policy or a bank
    # card); a personal ИНН of 12 digits (11 too: a typo'd one is still one; an organisation's has 10, and stays); a
    # 20-digit bank account; a utility account after «л/с» or «лицевой счёт» (a text not yet cleaned of markup may have
    # «&nbsp;» between). A vaccine's «серия 11-130321» or an object's «паспорт … 12.2020» do not have the shape and stay.
    (rf"(?i)(паспорт[а-яё]*|сери[яи])(\D{{0,40}}?){_B}\d{{2}}\s?\d{{2}}[\s№:.-]*(?:номер|№)?[\s№:.-]*\d{{6}}{_B}",
     "${1}${2}[документ]"),
    # A driving licence after its name: «водительское удостоверение 19 12 345678», «в/у 1912345678».
    (rf"(?i)(водительск[а-яё]*\s+удостоверени[а-яё]*|в/у|вод\.\s?уд\.?)(\D{{0,20}}?){_B}\d{{2}}\s?(?:\d{{2}}|[а-яё]{{2}})"
     rf"\s?\d{{6}}{_B}", "${1}${2}[документ]"),
    # and after «ВУ», in capitals and on its own («ВУ 1912345678», «ВУ № 19 12 345678»; not «ВУЗ»). (A Unicode \b costs
    # nothing here: the literal «ВУ» is looked for first; (^|_NOT_WORD) in its place cost 10×.)
    (rf"\b(ВУ[\s№:.-]*){_B}\d{{2}}\s?\d{{2}}\s?\d{{6}}{_B}", "${1}[документ]"),
    (rf"(?i)(снилс[а-яё]*)(\D{{0,20}}?){_B}\d{{3}}[\s-]?\d{{3}}[\s-]?\d{{3}}[\s-]?\d{{2}}{_B}", "${1}${2}[документ]"),
    (rf"{_B}\d{{3}}-\d{{3}}-\d{{3}}[\s-]\d{{2}}{_B}", "[документ]"),
    # (and a birth certificate: a Roman numeral, two capitals, six digits, «II-ПВ 123456»; the numeral typed in Cyrillic or
    # Ukrainian look-alikes, «ХІ-ПВ», the capitals in Latin ones, «XI-ПB»: a Cyrillic letter has no ASCII \b before it)
    (rf"{_B}\d{{4}}[\s-]?\d{{4}}[\s-]?\d{{4}}[\s-]?\d{{4}}{_B}"
     rf"|(^|{_NOT_WORD})[IVXLІХ]{{1,4}}[\s-]?[А-ЯЁ{_PLATE_L[12:]}]{{2}}[\s№]*\d{{6}}{_B}", "${1}[документ]"),
    # (grouped too: «190 123 456 789», «1901 2345 6789», «19 01 234567 89»)
    (rf"(?i)\b(инн)((?:&nbsp;|[\s:№.]){{0,5}})(?:\d{{11,12}}|\d{{3}}[\s-]\d{{3}}[\s-]\d{{3}}[\s-]\d{{3}}"
     rf"|\d{{4}}[\s-]\d{{4}}[\s-]\d{{4}}|\d{{2}}[\s-]\d{{2}}[\s-]\d{{6}}[\s-]\d{{2}}){_B}", "${1}${2}[документ]"),
    # (and one grouped as a bank prints it, 5-3-1-4-7: «40817 810 0 9991 0004312», «40817.810.0.99910004312»)
    (rf"{_B}(?:\d{{20}}|\d{{5}}[\s.-]\d{{3}}[\s.-]\d[\s.-]?\d{{4}}[\s.-]?\d{{7}}){_B}", "[счёт]"),
    # (and a bank account in any groups after «р/с», «счёт»)
    (rf"(?i)(\bл/с|\bл\.\s?с\.|лицев[а-яё]*\s+сч[её]т[а-яё]*)((?:&nbsp;|[\s:№.]){{0,6}})\d[\d\s-]{{2,22}}\d{_B}"
     rf"|(?i)(\bр/с|\bр\.\s?с\.|сч[её]т[а-яё]*)([\s:№.]{{0,5}}){_B}\d(?:[\s.-]?\d){{19}}{_B}", "${1}${2}${3}${4}[счёт]"),
    # Phones: 11 digits after +7 / 8 / 7, with any spacing, brackets and dashes between the digits;
    # a bare ten-digit mobile (9XX…); a city number «2-15-67» / «52-34-56» with an optional «(47140)».
    (rf"(?:\+\s?7|\b[78])(?:{_SEP}|[()])*\d(?:(?:{_SEP}|[()])*\d){{9}}\b", "[телефон]"),
    # Another country's number after its «+» («+996 555 123 456», «+375 29 123-45-67»): 8 to 12 digits after the code.
    (rf"\+\s?[1-9]\d{{0,2}}(?:{_SEP}|[()])*\d(?:(?:{_SEP}|[()])*\d){{6,10}}\b", "[телефон]"),
    (rf"\(?\b9\d{{2}}\)?(?:(?:{_SEP}|[()])*\d){{7}}\b", "[телефон]"),
    (rf"(?:\(\d{{3,5}}\)\s?)?{_B}\d{{1,3}}-\d{{2}}-\d{{2}}{_B}", "[телефон]"),
    # A city number in one group after its code in brackets: «(3822) 123456». Russian codes begin with 3, 4 or 8 (not
    # a year: «Норматив (2023) 123456 рублей»).
    # And one of six digits, together or 3-3, after «тел», «телефон» (the numbers before it masked already: «Тел 2-15-67,
    # 21-45-67, 214567»); not in «отель 214567».
    (rf"\([348]\d{{2,4}}\)[\s-]?\d{{5,7}}{_B}"
     rf"|(?i)((?:^|[^а-яё])тел(?:\.|ефон[а-яё]*)?(?:[\s:,]|\[телефон\])*){_B}\d{{3}}-?\d{{3}}{_B}", "${1}[телефон]"),
    # A car's registration plate (_PLATE_L); its region's word may be glued on («А123ВС77регион», «К777КК55rus»: in the
    # same pattern, a second one cost as much again).
    (rf"(^|{_NOT_WORD})[{_PLATE_L}{_PLATE_L.lower()}]\d{{3}}[{_PLATE_L}{_PLATE_L.lower()}]{{2}}"
     rf"(?:\s?\d{{2,3}}((?i:регион|рег|рус|rus))|(?:\s?\d{{2,3}})?({_NOT_WORD}|$))", "${1}[госномер]${2}${3}"),
    (rf"(^|{_NOT_WORD})[{_PLATE_L}]\s\d{{3}}\s?[{_PLATE_L}]{{2}}"
     rf"(?:\s?\d{{2,3}}((?i:регион|рег|рус|rus))|(?:\s?\d{{2,3}})?({_NOT_WORD}|$))", "${1}[госномер]${2}${3}"),
    # A flat written as «дом-квартира» («10-45») right after the street of the applicant's own home: «проживаю ул.
    # Ленина, 10-45», «живу по ул. Мира 5-12», «мой адрес: …», «адрес проживания …»; one person's in the third person
    # too («проживает»), not several people's («проживают»: houses 5 to 12 may be meant). Nothing but «по», «на», «адресу»
    # and a city between the words and the street: «живу рядом, на ул. Кирова 12-34» may be houses 12 to 34, and a
    # problem's address column is left to FLAT_MASKS alone (a range of houses there, mask_flat_expr). A slash is a
    # corner house («5/12»), not a flat.
    (r"(?i)((?:проживаю|проживаем|проживает|живу|живем|живём|живет|живёт|мой\s+адрес|наш\s+адрес|адрес\s+проживания)[\s:,]+"
     r"(?:(?:по|на)\s+)?(?:адресу[\s:,]+)?(?:г\.\s?[А-ЯЁ][а-яё-]+[\s,]+)?"
     r"(?:ул|улиц[аеуы]|пр|пр-т|пр-кт|просп|проспект[аеу]?|пер|переул[а-я]*|б-р|бульвар[а-я]*|мкр|микрорайон[а-я]*"
     r"|пл|площад[а-я]*|шоссе|проезд[а-я]*|наб|набережн[а-я]*)\.?\s*[^\d.!?\n]{1,40}?[\s,.]\s*"
     r"(?:д\.?\s*|дом\s*)?\d+(?:\s?[а-я])?)\s?[-–]\s?\d+([^\d/-]|$)", "${1}-[скрыто]${2}"),
]
FLAT_MASKS = [
    # A flat number identifies a household: «кв. 12», «кв.45», «квартире 17», «кв. № 31». An area
    # («площадь квартиры 54 кв.м») is not one: its number is marked with a word joiner first, and the mark
    # taken away after.
    # («м» ends a word when a non-word character or the end follows: a Unicode \b here cost 6× the time, _B.)
    (r"(?i)(\d)(\s*(?:кв\.?\s*м(?:\W|$)|м2|м²|кв\.?\s*метр|квадрат))", "$1\u2060$2"),
    (r"(?i)\b(кв\.?|квартир[аеуы]|кв-ра)\s*(?:№\s*)?\d+[а-я]?([^\w\u2060]|$)", "${1} [скрыто]$2"),
    ("\u2060", ""),
]
MASKS += FLAT_MASKS

# --- names ------------------------------------------------------------------------------------------

_W = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"      # a capitalised word (double surnames included)
_PATR = (r"[А-ЯЁ][а-яё]+(?:ович|евич|ьич|[ктмлв]ич)(?:а|у|ем|е)?\b"
         r"|[А-ЯЁ][а-яё]+(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)\b")
_SURNAME_END = r"(?:ов|ев|ёв|ин|ын|ский|цкий|ой|ых|их)(?:а|у|ым|ом|е|ой|ою)?"
_INIT = r"[А-ЯЁ]\.\s?[А-ЯЁ]\."
# What flags a sentence for NER.
_FLAG = "|".join([
    rf"{_W}\s+[А-ЯЁ][а-яё]",                        # a capitalised pair: «Петров Иван», «Анне Сидоровой»
    _PATR, _INIT, rf"{_W}\s+[А-ЯЁ]\.",
    r"(?i:зовут|звать|мо[её]\s+имя)",
    r"^[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+)?[,!]",     # «Кирилл, спасибо…», «Ольга Николаевна, добрый день»
])
# A word for a person (or a greeting) right before a capitalised word: «соседка Иванова», «я Петров», «Здравствуйте,
# Ольга» — a cue (any case, inside a word too) and lower-case letters, then spaces or commas, then the capital.
# Looked for backwards from each capitalised word, not as (?i:cue|…)[а-яё]*[\s,]+[А-ЯЁ][а-яё] at every position of
# the text: the same sentences flagged (checked on 54 000 real and 200 000 random ones), 20 times faster.
_CUES = ("сосед|сын|доч|мам|пап|муж|жен|внук|внучк|бабушк|дедушк|дед|отец|отц|мать|матер|брат|сестр|вдов"
         "|гражданин|гражданк|заявител|мастер|слесар|водител|врач|фельдшер|учител|воспитател|директор|начальник"
         "|глав|участков|диспетчер|председател|сотрудник|управляющ|специалист|инспектор|уважаем|здравствуй|добрый"
         "|автор|звонил|пишет|обратил|я|это|для|день|вечер|утро").split("|")
_BEFORE_CAPITAL = re.compile(r"[\s,]+(?=[А-ЯЁ][а-яё])")
_CUE_REVERSED = re.compile(r"[а-яё]*?(?i:" + "|".join(c[::-1] for c in _CUES) + ")")


def _cue_before_capital(text: str) -> bool:
    return any(_CUE_REVERSED.match(text[:m.start()][::-1]) for m in _BEFORE_CAPITAL.finditer(text))


# Name patterns the NER may miss (Python re), each with how its match is checked against the context:
# "person" always a name, "initials" unless a street word stands right before it («им. А.С. Пушкина»),
# "context" unless a street or an organisation word comes before it.
_INIT2 = r"[А-ЯЁ]\.\s?[А-ЯЁ](?:\.|\b)"          # «И.И.», «В. Н», «В.Н» (the last dot often left out)
_SURNAME = rf"[А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын|ск|цк|енк|к|ук|юк|ян)[а-яё]{{0,3}}"
# Short Korean, Chinese and Vietnamese surnames (the dictionary reads «Ли», «Пак», «Хан» as words): a surname beside a
# first name or an initial («Ли Сергей», «Пак Елена», «Ким Е.»), not on their own.
_SHORT_SURNAMES = frozenset("Ким Ли Пак Цой Хан Тен Тян Югай Хегай Огай Когай Шин Лим Чен Пэк Чой Мун Кан Нгуен Тхи"
                            .split())
_SHORT_SURNAME = "(?:" + "|".join(sorted(_SHORT_SURNAMES)) + ")"
# Chinese surnames and given-name syllables (Palladius): a name only as a pair of the two, surname first, the given name of
# one syllable or two written together («Ли Вэй», «Чжан Вэй», «Чэнь Сяомин»). Either alone is a Russian word or a place
# too often («Ван Гог», «У Мин нет», «Ма»): «У» and «Е» are not among the surnames.
_CHINESE_SURNAMES = ("Ван Ли Чжан Лю Чэнь Чен Ян Хуан Чжао Чжоу Сюй Сунь Ма Чжу Ху Го Хэ Гао Линь Ло Чжэн Лян Се Сун Тан"
                     " Хань Фэн Дэн Цао Пэн Цзэн Сяо Тянь Дун Пань Юань Цай Цзян Юй Ду Чэн Вэй Су Люй Дин Жэнь Шэнь Яо"
                     " Лу Цуй Чжун Тань Фан Цзинь Ши Цзя Сыма Оуян").split()
_CHINESE_GIVEN = ("вэй лэй мин хуа цзюнь ин фан цзе тао хао юй цян пин ган лин синь цзин жун бо янь хун лань мэй ли нин"
                  " тин юнь чэн цзянь пэн фэн хуэй линь гуан дун бин хай бао юн чжи шэн сюэ сяо вэнь цзя цин ян чунь сю"
                  " шу кай лун мэн инь чао цзюань ся сян цзы лэ хань жуй мяо сун чжэн кунь го").split()
_CHINESE_SYLLABLE = "(?:" + "|".join(sorted(_CHINESE_GIVEN, key=len, reverse=True)) + ")"
_CHINESE_SURNAME = "(?:" + "|".join(sorted(_CHINESE_SURNAMES, key=len, reverse=True)) + ")"
# (without look-arounds: the hint of stored texts, for DuckDB's regex too)
_CHINESE_HINT = (rf"{_CHINESE_SURNAME}[ \t]+(?:" + "|".join(sorted((g.capitalize() for g in _CHINESE_GIVEN), key=len,
                                                                   reverse=True))
                 + rf")(?:-?(?i:{_CHINESE_SYLLABLE}))?")
_CHINESE_NAME = rf"(?<![\w-]){_CHINESE_HINT}(?![\w-])"
_CHINESE_NAME_RE = re.compile(_CHINESE_NAME)
_NAME_PATTERNS = [(kind, re.compile(p)) for kind, p in (
    # [Фамилия] Имя Отчество [Фамилия]: a patronymic makes it a name, in any case.
    ("person", rf"(?:\b{_W}\s+)?\b{_W}\s+(?:{_PATR})(?:\s+[А-ЯЁ][а-яё]+{_SURNAME_END}\b)?"),
    ("initials", rf"\b{_W}\s+{_INIT2}"),                        # Иванов И.И., Тарасов В.Н
    ("initials", rf"\b{_INIT}\s?{_W}"),                         # И.И. Иванов
    ("initial", rf"(?<![\w.])(?<!\d\s)[А-ЯЁ]\.\s?({_SURNAME})\b"),  # А. Телегину (not «дом 55 В. Основной»)
    ("initials", rf"\b(?:{_SURNAME}|{_SHORT_SURNAME})\s+[А-ЯЁ]\.(?!\s?\d)"),   # Белостоцким А., Ким Е. (not «Ленина Д. 5»)
    # «Меня зовут Ольга», «моё имя Кристина»: up to three capitalised words.
    ("context", rf"(?i:зовут(?:\s+меня)?|звать|мо[её]\s+имя)\s+({_W}(?:\s+{_W}){{0,2}})"),
    # A reply opening with the author's name: «Имя Фамилия, здравствуйте!».
    ("context", rf"^({_W}(?:\s+{_W}){{0,2}}),\s*(?i:здравствуй|добр|доброе|доброго|приветств|уважаем|спасибо|благодар)"),
    # An address to the author: «Уважаемая Анна Петровна!», «Здравствуйте, Андрей.»
    ("context", rf"(?i:уважаем\w*|здравствуйте|добрый\s+(?:день|вечер)|доброе\s+утро)[\s,]+({_W}(?:\s+{_W}){{0,2}})\s*[!.,]"),
)]
# A name right after these is a street, a place, a school or a monument, not a person: «ул. Карла Маркса»,
# «школа имени Пушкина», «им. А.С. Пушкина», «памятник Ленину» (up to three capitalised words between:
# «ул. Героя Советского Союза Лоскутова»).
_PLACE_WORDS = (
    r"(?i:\b(?:ул|улиц\w*|пр|пр-к?т\w*|просп|проспект\w*|пер|переул\w*|пл|площад\w*|бул|бульвар\w*|б-р|наб"
    r"|набережн\w*|шоссе|проезд\w*|тупик\w*|алле[яиюе]|(?<!от\s)имени|памятник\w*|мемориал\w*|бюст\w*"
    r"|сквер\w*|парк\w*|мкр|микрорайон\w*|станци\w*|станиц\w*|пос|пгт|сел(?:о|а|у|е|ом)|деревн\w*|посёл\w*"
    r"|посел\w*|хутор\w*|город\w*)\b\.?"
    r"|\b(?:с|д|г|п|х|им|ст)\.)")   # one-letter abbreviations only with their dot
_PLACE_BEFORE = re.compile(_PLACE_WORDS + r"\s*(?:[А-ЯЁ][\w-]*\.?\s+){0,3}$")
_PLACE_RIGHT_BEFORE = re.compile(_PLACE_WORDS + r"\s*$")
# «Глава поселения Сидоров А.В.»: a surname with initials after a municipality is its official, not a place.
_MUNICIPALITY_BEFORE = re.compile(r"(?i:поселени[яеюй]|поселений)\s*$")
_PLACE_START = re.compile(_PLACE_WORDS)


# Two capitals that are an abbreviation, not initials: a firm, a place, a law, a school. The dictionary knows a tenth of
# all pairs as an abbreviation first, most of them initials too («АС», «ВВ», «ДМ»): it decides only beside a word that
# reads as a surname in a less likely reading or is only shaped as one.
_NOT_INITIALS = frozenset("ИП АО ОО ДК УК ТЦ ЖК ЖД ФЗ РФ МО ГО СП КП ЦБ ПК ТВ ТК СШ МП ОК ЦО ЧС ТП ТО ГК СК ПС КТ ЗУ ОШ ДС"
                          " ДУ МЧ ВК ЕГ ПР ЧП ГБ СБ МБ ЦК ЦП РК СТ ПТ ЖБ ЖЭ ЦТ ИТ БД ЕС ТЗ ГЭ КС СМ НГ".split())


def _bare_initials(word: str, letters: str) -> bool:
    """A surname with initials without dots («Иванов ИИ», «Петрову АС»): the word read first as a surname, or read so in
    some reading and shaped as one (-ов, -ев, -ин in any case; not «Дубровинского ЖД»); or shaped so in its plainest
    forms though unknown («Зекунов», «Зекунова») and the letters no abbreviation to the dictionary."""
    letters = letters.replace(" ", "")
    if letters in _NOT_INITIALS:
        return False
    kind = _name_kind(word)
    if kind == "Surn" or (kind is None and _surname_reading(word) and _RUSSIAN_SURNAME.fullmatch(word)):
        return True
    return (kind is None and "Abbr" not in _morph().parse(letters)[0].tag
            and bool(re.fullmatch(r"[А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын)а?", word)))


_RUSSIAN_SURNAME = re.compile(r"[А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|ом|е|ою)?")
# Two capitals on their own, together or spaced; the surname after or before them. Found by the capitals (a pattern
# that opened with the surname, or a look-behind, was tried at every position of every text: +4 % of the names stage).
_BARE_INITIALS = re.compile(r"[А-ЯЁ](?:[А-ЯЁ]| [А-ЯЁ])(?![\w.-])")
_WORD_AFTER_INITIALS = re.compile(rf"[ \t]+({_W})(?![\w-])")
_WORD_BEFORE_INITIALS = re.compile(rf"(?<![\w.-])({_W})[ \t]+$")
# (a word the pair is, not initials: «НЕ», «ОН», «ДА», «ПО»)
_NOT_INITIALS_POS = frozenset("PRCL PREP CONJ NPRO ADVB PRED INTJ".split())


@functools.lru_cache(maxsize=2_000)
def _a_word(pair: str) -> bool:
    return _morph().parse(pair)[0].tag.POS in _NOT_INITIALS_POS


def _bare_initials_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _BARE_INITIALS.finditer(text):
        a, b = m.span()
        if a and (text[a - 1].isalnum() or text[a - 1] in ".-"):
            continue
        letters = m.group()
        before = _WORD_BEFORE_INITIALS.search(text, max(0, a - 40), a)
        after = _WORD_AFTER_INITIALS.match(text, b)
        if not (before or after) or letters.replace(" ", "") in _NOT_INITIALS or _a_word(letters.replace(" ", "").lower()):
            continue
        # (nor a pair among words in capitals: «ГЛАВА Иванов НЕ ОТВЕЧАЕТ», a shouted text title-cased where it is a name)
        if before and _bare_initials(before.group(1), letters) and not re.match(r"[ \t]+[А-ЯЁ]{2}", text[b:b + 4]):
            spans.append((before.start(1), b))
        elif after and _bare_initials(after.group(1), letters) \
                and not re.search(r"[А-ЯЁ]{2}[ \t]+$", text[max(0, a - 4):a]):
            spans.append((a, after.end(1)))
    return spans


def _street_word_first(text: str, a: int) -> bool:
    """The span at `a` opens with a whole word for a street or a place («Проспект Н.Плевицкой»), not with an
    initial that reads as one («С.Ю.Набоко», «Д.В. Ходеев»: «с.», «д.» are a village and a house too)."""
    m = re.match(r"[А-ЯЁ][а-яё]+", text[a:a + 40])
    return bool(m and _PLACE_START.fullmatch(m.group()))
_PLACE_PREPOSITION = re.compile(r"(?i:\b(?:на|по|до|от|адресу|угол|углу|пересечени\w*"
                                r"|перекр[её]ст\w*|остановк\w*|ост))\.?\s*$")
# An organisation's name after these («УК Аврора», «кафе Виктория») — unless it is a surname
# («председатель управляющей компании Жихарев»).
_ORG_WORDS = (r"(?i:\b(?:ук|ооо|оао|пао|зао|ао|муп|гуп|тц|трц|жк|тсж|снт|компани\w*|гостиниц\w*|кафе|магазин\w*"
              r"|центр\w*|фирм\w*|клиник\w*|стоматологи\w*|аптек\w*|ресторан\w*|салон\w*|бар|ателье|парикмахерск\w*)\b)")
_ORG_BEFORE = re.compile(_ORG_WORDS + r"[\s«\"“”„‘’'`]*$")
# A name in quotes right after one of these is the firm's even with a patronymic: «ресторан «Анна Петровна»», «ООО «Иван
# Петрович»» («ИП» is a person: not among them).
_ORG_QUOTE_BEFORE = re.compile(_ORG_WORDS + r"\s*[«\"“„‘'`]\s*$")
_QUOTE_AFTER = re.compile(r"\s*[»\"“”’'`]")
# A street named after a person, its word after the name: «Степан Разин улица», «на Степан Разин улице» — not the street of
# an address after a person («Петров Иван улица Ленина 5»: a capitalised word follows).
_STREET_AFTER = re.compile(r"\s+(?i:улиц\w*|ул\.|проспект\w*|пр-к?т|переул\w*|площад\w*|бульвар\w*|проезд\w*|шоссе"
                           r"|набережн\w*|сквер\w*)(?![\w-])(?!\.?\s*[А-ЯЁ])")
# A capitalised word opening a quotation is a name of a firm, a shop or a kindergarten («“Аврора”»).
_QUOTES = "«\"“”„‘’'`"
# People whose names streets bear, written without «ул.» in real texts («на Карла Маркса», «по Льва Толстого»).
_STREET_NAMESAKES = re.compile(
    r"(?:Карла\s+(?:Маркса|Либкнехта)|Розы\s+Люксембург|Клары\s+Цеткин|Льва\s+Толстого|Максима\s+Горького"
    r"|Александра\s+Невского|Зои\s+Космодемьянской|Веры\s+Фигнер|Юрия\s+Гагарина|Сергея\s+Лазо"
    r"|Дмитрия\s+Донского|Богдана\s+Хмельницкого|Павлика\s+Морозова|Олега\s+Кошевого|Ивана\s+Франко"
    r"|А\.\s?Невского"
    # and words that only look like names: a plant, a compass card, a feast
    r"|Роза\s+ветров|Петра\s+и\s+Февронии|Петра\s+и\s+Павла|Веры,?\s+Надежды,?\s+Любови)\b")
# The district's own settlements (data/reference: settlements.csv and their aliases) are places whatever the
# dictionary reads in them: pymorphy3 knows «Теи» of «Вершина Теи» as a first name, «Филиппова» of «Филиппова
# Гора» as a surname. A name of several words matches in its case forms («в Вершине Теи»), one word only as it
# stands (a one-word place in another case is no person's name either, and «Анна» the village would hide the
# name). ё and е alike.
_ENDING = r"(?:[аяоеиыуюйь]|ой|ей|ою|ею|ом|ем|ам|ям|ах|ях|ами|ями|ого|его|ому|ему|ым|им|ых|их|ую|юю|ая|яя|ое|ее|ие|ые|ий|ый)?"


def _place_word(word: str, inflected: bool) -> str:
    if not inflected:
        return re.escape(word)
    stem = word
    for _ in range(2):
        if len(stem) > 3 and stem[-1] in "аяоеиыуюйь":
            stem = stem[:-1]
    return re.escape(stem) + (_ENDING if stem != word or len(word) > 3 else "")


def _places_pattern(names) -> re.Pattern | None:
    alternatives = set()
    for name in names:
        words = re.findall(r"[а-яa-z0-9]+", re.sub(r"\(.*?\)", " ", (name or "").lower().replace("ё", "е")))
        if words:
            alternatives.add(r"[\s-]+".join(_place_word(w, len(words) > 1) for w in words))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)


_places = {"key": None, "pattern": None}


def _known_places() -> re.Pattern | None:
    """The pattern of the reference's settlement names, read again when its files change (a curator adds a
    settlement on the upload page); the masks kept for texts go with the old one."""
    import csv

    from core.reference import REFERENCE_TABLES, reference_dir
    files = {column: reference_dir() / REFERENCE_TABLES[table]
             for table, column in (("settlements", "name"), ("settlement_aliases", "alias"))}
    key = tuple((str(f), f.stat().st_mtime_ns if f.exists() else None) for f in files.values())
    with _places_lock:
        if _places["key"] != key:
            names = []
            for column, path in files.items():
                # Read by the csv module: this runs inside polars' call of the mask, where polars itself waits.
                with contextlib.suppress(Exception):   # a missing or broken file: its names are not known
                    with open(path, encoding="utf-8", newline="") as f:
                        names += [row.get(column) for row in csv.DictReader(f)]
            _places.update(key=key, pattern=_places_pattern(names))
            with _lock:
                _masked.clear()
        return _places["pattern"]


def _outside_places(text: str, a: int, b: int, places: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of text[a:b] outside the known places in it, without the spaces and marks where a place was cut
    out (text[a:b] itself when it has none)."""
    parts = [(a, b)]
    for x, y in places:
        if x < b and a < y:
            parts = [p for s, e in parts for p in ((s, min(e, x)), (max(s, y), e)) if p[0] < p[1]]
    out = []
    for s, e in parts:
        while s < e and s != a and not text[s].isalnum():
            s += 1
        while e > s and e != b and not text[e - 1].isalnum():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


_FIO_RUN = re.compile(r"\[ФИО\](?:[\s,]+\[ФИО\])+")
# A short surname left beside a mask («Пак [ФИО]», as a version before _SHORT_SURNAMES stored it) goes with it.
_SHORT_BEFORE_MARK = re.compile(rf"(?<![\w-]){_SHORT_SURNAME}\s+\[ФИО\]")
# A maiden or former surname in brackets after a name («Мария Сергеевна (Степанова), здравствуйте»).
_MARK_BRACKETED = re.compile(r"\[ФИО\]\s*\(([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)\)")


def _bracketed_surname(m) -> str:
    w = m.group(1)
    return NAME_MARK if _name_kind(w) or _SURNAME_SHAPE.fullmatch(w) or not _known_word(w) else m.group()
# A surname left before a masked name («петрова [ФИО]», «Родственница Мельник [ФИО]»): _surname_before_mark.
_WORD_BEFORE_MARK = re.compile(r"(?<![\w\[-])([А-ЯЁа-яё][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)[ \t]+\[ФИО\]")


def _surname_before_mark(m) -> str:
    """The word goes with the mark when the dictionary reads it as a surname (a lower-case one first so, «петрова»; a
    capitalised one in some reading), or when it is a noun after a word for a person («Родственница Мельник [ФИО]»:
    «Мельник» is a miller to the dictionary), not a word for a person itself («Соседка [ФИО]»)."""
    w = m.group(1)
    if w[0].islower():     # (shaped as one first: the dictionary's reading of each word before a mark cost 3 % CPU)
        return NAME_MARK if _LOWER_SURNAME_RE.fullmatch(w) and _lower_surname(w) else m.group()
    if _person_cue(m.string[:m.end(1)] + " ", m.end(1) + 1):       # «Вдова [ФИО]», «Соседка [ФИО]»
        return m.group()
    if _PLACE_BEFORE.search(m.string, max(0, m.start(1) - 80), m.start(1)):
        return m.group()        # a street's name: «ул. Маршала Жукова [ФИО] 5»
    if not (_surname_reading(w) or (_SURNAME_SHAPE.fullmatch(w) and not _known_word(w))
            or (_person_cue(m.string, m.start()) and "NOUN" in _morph().parse(w)[0].tag)):
        return m.group()
    places = _known_places()
    if any("Geox" in p.tag for p in _morph().parse(w) if p.is_known) \
            or (places and places.fullmatch(w.replace("ё", "е"))):   # «главы Курска [ФИО]»: a place's official
        return m.group()
    return NAME_MARK
# A lower-case first name left after a mask («Звонила [ФИО] анна», as a version before «Петрова анна» was a name stored it)
# goes with it: the dictionary reads it first as a first name («вера», «роман» are words first).
_FIRST_AFTER_MARK = re.compile(r"\[ФИО\][ \t]+([а-яё]+)(?![\w-])")


def _first_name_after_mark(m) -> str:
    return NAME_MARK if _first_name(m.group(1)) else m.group()
# A date right after a name is its owner's date of birth («[ФИО], 06.09.1995»).
_DATE_AFTER_NAME = re.compile(rf"(\[ФИО\][,\s(]*)\b{_DATE}\b(?:\s*(?:г\.|года?))?")


_models_lock = threading.Lock()
_places_lock = threading.Lock()


def _model(load):
    """`load` run once per process, whichever thread asks first (preload), the others waiting for it."""
    loaded = functools.cache(load)

    def get():
        with _models_lock:
            return loaded()
    return functools.update_wrapper(get, load)


@_model
def _ner():
    """natasha's news NER (PER / LOC / ORG), loaded once per process: 0,35–1 s."""
    from natasha import NewsEmbedding, NewsNERTagger
    return NewsNERTagger(NewsEmbedding())


def preload() -> None:
    """Load the name dictionary and NER in a thread of their own, while a large file is read and typed (polars
    lets go of the interpreter): the mask then starts with them loaded (1 M rows: 0,35 s off the load)."""
    def load():
        with contextlib.suppress(Exception):   # a failure here is met again, and reported, where the mask needs it
            _morph()
            _ner()
    threading.Thread(target=load, daemon=True).start()


def _one_blas_thread():
    """NER's small matrix products on one BLAS thread: OpenBLAS's threads wait for each other on a busy
    machine (818 sentences: 10,7 s on two threads, 1,2 s on one — the same finds)."""
    from threadpoolctl import threadpool_limits
    # The limit reaches only a BLAS already loaded: numpy (with the NER) is loaded first. Limited from inside the
    # first NER call, it limited nothing, and OpenBLAS's idle threads spun on the second core a whole load long
    # (10 000 real texts: 5,4 s and 8,5 s of CPU; limited, 5,3 s of CPU).
    _ner()
    return threadpool_limits(limits=1, user_api="blas")


@_model
def _morph():
    """pymorphy3's dictionary knows first names, surnames and patronymics in every case (0,1 s to load)."""
    import pymorphy3
    return pymorphy3.MorphAnalyzer()


_lock = threading.Lock()   # polars may call the column function from several threads at once
# (Not a word joined to a lower-case one by a hyphen, «Иван-чай», «Ростов-на-Дону», nor to a capitalised one by a dash
# without spaces: towns, «Фатеж–Дмитриев».)
_CAPS_EDGE = re.compile(r"\W*[А-ЯЁ]{2,}\W*")
_CAP_WORD = re.compile(r"(?<![\w\[|.–-])[А-ЯЁ][а-яё]+(?![\w\]]|-[а-яё]|–[А-ЯЁ])")
_FLAG_RE = re.compile(_FLAG)


@functools.lru_cache(maxsize=200_000)
def _name_weights(word: str) -> dict[str, float]:
    """The weight of the word's readings as a first name, a patronymic, a surname."""
    weight = dict.fromkeys(("Name", "Patr", "Surn"), 0.0)
    for parse in _morph().parse(word):      # «Анне» is eleven readings of the name Анна at 0,12 each
        if not parse.is_known:              # a guess from the ending: «Бирикчуль» is no name
            continue
        for kind in weight:
            if kind in parse.tag.grammemes:
                weight[kind] += parse.score
                break
    return weight


@functools.lru_cache(maxsize=200_000)
def _surname_reading(word: str) -> bool:
    """A surname in some reading, likeliest or not («Ильин»: Ilya's first); read by the same parse as _name_kind."""
    return _name_weights(word)["Surn"] > 0


@functools.lru_cache(maxsize=200_000)
def _name_kind(word: str) -> str | None:
    """«Name», «Surn» or «Patr» when the word's likeliest reading is a first name, surname or patronymic
    («Ларису», «Орлов»), not a common noun or a place («Вера» is 0,7 a noun, «Курска» a place)."""
    weight = _name_weights(word)
    kind = max(weight, key=weight.get)
    if weight[kind] < 0.5 and "ё" in word:     # «Воробьёв» reads first as «of sparrows», «Воробьев» as a surname
        return _name_kind(word.replace("ё", "е"))
    return kind if weight[kind] >= 0.5 else None


# A lone surname names a person only after a word for one: «врача Демидовой», «соседка Краснова»,
# «Я, Лебедева». Elsewhere a lone surname in real texts is mostly a street: «на перекрёстке Гагарина».
_PERSON_CUE = re.compile(
    r"(?i:(?<![\w-])(?:я|мы|г-н|г-жа|гражданин\w*|гражданк\w*|сосед\w*|сын\w*|доч\w*|мам\w*|пап\w*|муж\w*|жен\w*"
    r"|внук\w*|внучк\w*|бабушк\w*|дедушк\w*|дед\w*|отц\w*|отец|мать|матер\w*|брат\w*|сестр\w*|вдов\w*"
    r"|дет(?:и|ей|ям|ьми|ях)|ребён\w*|ребен\w*|семь\w*|заявител\w*|жил\w*|жильц\w*|мастер\w*|слесар\w*|водител\w*|врач\w*"
    # one resident, not «жители» (of a place: «жители Петровки»); a sole trader is a person, not a firm
    r"|жител(?:ь|ьниц\w*|я|ю|ем|е)|ип"
    r"|фельдшер\w*|учител\w*|руководител\w*|воспитател\w*|директор\w*|начальник\w*|глав\w*|участков\w*"
    r"|диспетчер\w*|председател\w*|сотрудник\w*|управляющ\w*|специалист\w*|инспектор\w*|консультант\w*"
    r"|уважением|фермер\w*|некий|некая|автор\w*|пишет|звонил\w*|обратил\w*|подписал\w*"
    r"|пенсионер\w*|ветеран\w*|инвалид\w*|обращени[юяие]))"
    r"(?:\s+[а-яё]+)?[\s,:—-]*$")
# More of them, looked for only before a candidate for a lone surname (_person_cue; searched before every capitalised
# word as _PERSON_CUE is, they cost 10 % of the names stage): a label or a verb of someone acting («Исполнитель: Шевчук»,
# «Ответ подготовил Ткаченко», «Позвонил Ильин»), with an organisation's abbreviation between («Сотрудник УК Никитин») or
# a disability's group («инвалид 1 группы Соколова»); not after a preposition of a place («позвонила на Энгельса»).
_ACTOR_CUE = re.compile(
    r"(?i:(?<![\w-])(?:исполнител\w*|ответственн\w*|подготовил\w*|позвонил\w*|перезвонил\w*|ответил\w*|управдом\w*"
    r"|родственни\w*|сотрудник\w*|инвалид\w*|мастер\w*|специалист\w*|инспектор\w*|начальник\w*))"
    r"(?:\s+(?:(?!(?:на|по|до|от|в|во|из|к|ко|у)\s)[а-яё]+|[А-ЯЁ]{2,5}|\d\s+групп[ыа]))?[\s,:—-]*$")


def _person_cue(text: str, a: int) -> bool:
    return bool(_PERSON_CUE.search(text, max(0, a - 60), a) or _ACTOR_CUE.search(text, max(0, a - 60), a))


@functools.lru_cache(maxsize=200_000)
def _known_word(word: str) -> bool:
    """In the dictionary (a rare surname, «Заремба», is not)."""
    return any(parse.is_known for parse in _morph().parse(word))


@functools.lru_cache(maxsize=200_000)
def _common_word(word: str) -> bool:
    """In the dictionary, and in no reading a name: «Внук», «Уважаемая», «Это» (but not «Гришина», which
    may be Гриша's, nor «Ильин»)."""
    known = [parse for parse in _morph().parse(word) if parse.is_known]
    return bool(known) and not any({"Name", "Surn", "Patr", "Poss"} & parse.tag.grammemes for parse in known)


# A word shaped as a Russian surname (-ов/-ев/-ин/-ын, -ский/-цкий, in any case): pymorphy3 does not know every
# surname as one («Зекунова»), and reads some as adjectives («Ситниковой»).
_SURNAME_SHAPE = re.compile(r"[А-ЯЁ][а-яё]+(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ою|ых|ыми)?"
                            r"|(?:ск|цк)(?:ий|ая|ого|ой|ому|ую|им|ом|ие|их|ими))(?:-[А-ЯЁ][а-яё]+)?")


def _trim_common_words(text: str, a: int, b: int) -> tuple[int, int]:
    """A span without the common words it starts with («Внук Павла Семёновича» → «Павла Семёновича»); a word
    shaped as a surname stays («Ситниковой Кристины Мгеровны»)."""
    while ((m := re.match(r"([А-ЯЁ][а-яё]+)\s+(?=[А-ЯЁ])", text[a:b])) and _common_word(m.group(1))
           and not _SURNAME_SHAPE.fullmatch(m.group(1))):
        a += m.end()
    return a, b


_NOT_NAME_EDGE = "()[]«»\"“”„‘’',;:!?"


def _name_spans(text: str, ner_spans, places: re.Pattern | None = None, extra=()) -> list[tuple[int, int]]:
    """Where the names are. A patronymic is always a name, initials unless a street word stands right
    before them; a span found by NER or the dictionary must hold a known name word, and a lone surname
    needs a word for a person before it; nothing after a street, place or organisation word, nor in a
    settlement of the reference (`places`, _known_places). Words side by side are one name."""
    namesakes = [m.span() for m in _STREET_NAMESAKES.finditer(text)]
    folded = []

    def outside(a: int, b: int) -> list[tuple[int, int]]:
        """text[a:b] without the reference's settlements in it, looked for only within 64 characters of a span asked
        about (a place's name is shorter): a search of every whole text cost 12 µs a text, this 2 µs on real texts."""
        if places is None:
            return [(a, b)]
        if not folded:
            folded.append(text.replace("ё", "е").replace("Ё", "Е"))
        near = [m.span() for m in places.finditer(folded[0], max(0, a - 64), min(len(text), b + 64))]
        return _outside_places(text, a, b, near)

    def place(a: int) -> bool:
        return bool(_PLACE_BEFORE.search(text, max(0, a - 80), a)) or any(x <= a < y for x, y in namesakes)

    found = []   # [start, stop, confirmed by a pattern]
    for kind, pattern in _NAME_PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.span(1) if kind == "context" else m.span()
            if kind == "initial":
                # One initial and a word: a surname if the dictionary says so or does not know the word
                # («А. Телегину»), not «Г. Курск», and not a street: after «на», «по», «до» («на К. Маркса»)
                # or before a house number.
                word = m.group(1)
                if (_known_word(word) and _name_kind(word) != "Surn") \
                        or _PLACE_PREPOSITION.search(text, max(0, a - 30), a) \
                        or _PLACE_RIGHT_BEFORE.search(text, max(0, a - 40), a) \
                        or re.match(r",?\s*(?:д\.|дом)?\s*\d", text[b:b + 12]):     # «К. Маркса, 5»
                    continue
                found.append((a, b, True))
            elif kind == "person" or (kind == "initials" and (not _PLACE_RIGHT_BEFORE.search(text, max(0, a - 40), a)
                                                              or _MUNICIPALITY_BEFORE.search(text, max(0, a - 40), a))
                                      and not _street_word_first(text, a)):   # «Проспект Н.Плевицкой»: a street
                found.append((a, b, True))
            elif kind == "context" and not place(a):
                # («Аварийный Омск, здравствуйте!» is a community greeting: no word of it is a name)
                found += [(x, y, True) for x, y in outside(a, b)
                          if any(_name_kind(w) or not _known_word(w) for w in _CAP_WORD.findall(text[x:y]))]
    found += [(a, b, True) for a, b in _bare_initials_spans(text)
              if not place(a) and not _PLACE_RIGHT_BEFORE.search(text, max(0, a - 40), a)]
    found += [(a, b, True) for a, b in (*_street_person_spans(text), *_street_then_person_spans(text))
              if outside(a, b) == [(a, b)]]
    candidates = [m.span() for m in _CAP_WORD.finditer(text) if _name_kind(m.group())
                  # («Позвонил Ильин»: «Ильин» reads first as Ilya's, a surname in one reading)
                  # (read by _name_kind's parse: _tagged read every capitalised word a second time, +15 % CPU)
                  or (_surname_reading(m.group()) and _person_cue(text, m.start()))]
    for kind, start, stop in ner_spans:
        if kind == "PER":
            # NER may take the bracket or quote after initials into the name («(Петрова А.А.)» → «Петрова А.А.)»):
            # its edges are letters and dots.
            while stop > start and text[stop - 1] in _NOT_NAME_EDGE:
                stop -= 1
            while start < stop and text[start] in _NOT_NAME_EDGE:
                start += 1
            # NER sometimes glues a preceding place to initials («Кызласа Петров И.И.»): a surname with
            # initials is one word.
            m = re.search(rf"({_W})\s+{_INIT}$|^{_INIT}\s?{_W}$", text[start:stop])
            start += m.start(1) if m and m.start(1) > 0 else 0
            # Nor words in capitals at its edges: NER glues them to a name («ГЛАВА Иванов НЕ ОТВЕЧАЕТ»; those that are
            # names were title-cased, _title_caps).
            words = [w.span() for w in re.finditer(r"\S+", text[start:stop])]
            while words and _CAPS_EDGE.fullmatch(text, start + words[-1][0], start + words[-1][1]):
                words.pop()
            while words and _CAPS_EDGE.fullmatch(text, start + words[0][0], start + words[0][1]):
                words.pop(0)
            if words:
                candidates.append((start + words[0][0], start + words[-1][1]))
    for a, b in (part for a, b in candidates for part in outside(a, b)):
        part = text[a:b]
        if not re.search(r"[А-ЯЁA-Z][а-яёa-z]", part) or part.startswith("[") or place(a) \
                or (a > 0 and text[a - 1] in _QUOTES
                    and not _PERSON_CUE.search(text, max(0, a - 61), a - 1)):   # but «сосед “Вася”»
            continue
        kinds = [_name_kind(w) for w in _CAP_WORD.findall(part)]
        if _ORG_BEFORE.search(text, max(0, a - 40), a) and "Surn" not in kinds:
            continue
        found.append((a, b, False))
    found = [(*_trim_common_words(text, a, b), confirmed) for a, b, confirmed in found]
    merged: list[list] = []
    for start, stop, confirmed in sorted(found):
        # «Филиппова Анна»: a surname the dictionary found beside a first name is that person's, not a word of its own
        if merged and (start <= merged[-1][1] or text[merged[-1][1]:start].isspace()):
            merged[-1][1] = max(merged[-1][1], stop)
            merged[-1][2] |= confirmed
        else:
            merged.append([start, stop, confirmed])
    out = []
    for start, stop, confirmed in merged:
        if (_ORG_QUOTE_BEFORE.search(text, max(0, start - 40), start) and _QUOTE_AFTER.match(text, stop)) \
                or _STREET_AFTER.match(text, stop):
            continue
        if not confirmed:
            kinds = [_name_kind(w) for w in _CAP_WORD.findall(text[start:stop])]
            if len(kinds) > 1:
                if not any(kinds):
                    continue                     # «Ноздрачево Виногробль», «Жилкомплекс Дружба»
            elif not (kinds and kinds[0] in ("Name", "Patr")) \
                    and not _person_cue(text, start):
                continue                         # «по Гагарина», «от Курскводоканал»
        start, stop = _with_surname_beside(text, start, stop, place, outside)
        if out and start <= out[-1][1]:       # widened into the name before it
            out[-1] = (out[-1][0], max(out[-1][1], stop))
        else:
            out.append((start, stop))
    return _with_context_surnames(text, out, extra, place, outside)


def _surnameish(word: str) -> bool:
    return bool(_SURNAME_SHAPE.fullmatch(word) or _surname_reading(word))


# A person written between a street's name and the house number: «ул. Мира Иванов 5», «улица Садовая Петрова 12», «ул.
# Маршала Жукова Иванов 5» (the name patterns read every capitalised word after «ул.» as the street's). The street's
# name goes on while its word is a first name, a title or an adjective in the genitive («Карла», «Веры», «Маршала»,
# «Героя Советского», «Героев»); the words after it, up to the house, are a person's when each reads as a name and one
# of them cannot be a street's genitive («Иванов», «Анна»; not «Маркса», «Франко», «Фигнер», «Лоскутова»), or — after
# a street's name of one word that is complete («Садовая», «Мира», «Кирова») — when each reads first as a surname or a
# first name and may stand in the nominative («Петрова»; not «Юрия» of «ул. Гагарина Юрия»).
_STREET_PERSON = re.compile(
    r"(?i:(?<![\w-])(?:ул|улиц[аеуы]|пр|пр-к?т|просп|проспект[аеу]?|пер|переул[а-яё]*|б-р|бульвар[а-яё]*|пл|площад[а-яё]*"
    r"|наб|набережн[а-яё]*|шоссе|проезд[а-яё]*|тупик[а-яё]*|мкр|микрорайон[а-яё]*))\.?[ \t]*"
    r"((?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?[ \t]+){1,4}?[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
    r"(?=,?[ \t]*(?:(?i:д\.?|дом)[ \t]*)?№?[ \t]*\d)")
_STREET_PERSON_WORD = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")


class _StreetWord(typing.NamedTuple):
    goes_on: bool        # the street's name goes on after it: a first name, a title, an adjective in the genitive
    name: bool           # may be a person's: a first name, surname or patronymic, or a surname's shape, no place
    nominative: bool     # a surname or first name first, with a reading in the nominative («Петрова»)
    not_genitive: bool   # a name no street's genitive can be («Иванов», «Анна»)
    complete: bool       # a street's name of one word: an adjective («Садовая»), a thing («Мира»), a surname («Кирова»)


@functools.lru_cache(maxsize=20_000)
def _street_word(word: str) -> _StreetWord:
    """The word's readings for _street_person_spans."""
    tags = [p.tag.grammemes for p in _morph().parse(word) if p.is_known]
    person = {"Name", "Surn", "Patr"}
    goes_on = any("gent" in t and (("sing" in t and {"Name", "Patr"} & t) or ({"NOUN", "anim"} <= t and not person & t)
                                   or ("ADJF" in t and "Poss" not in t)) for t in tags)   # (and «Героев», «Братьев»)
    kind = _name_kind(word)
    name = not any({"Geox", "nomn"} <= t for t in tags) \
        and bool(kind or (_SURNAME_SHAPE.fullmatch(word) and not _common_word(word)))
    nominative = any("nomn" in t and {"Name", "Surn"} & t for t in tags)
    not_genitive = name and (nominative or not tags) and not any({"gent", "sing"} <= t and person & t for t in tags)
    complete = not goes_on and any(({"ADJF", "nomn"} <= t and "Poss" not in t) or {"Surn", "gent"} <= t
                                   or ({"NOUN", "inan", "gent"} <= t and "Geox" not in t) for t in tags)
    return _StreetWord(goes_on, name, name and nominative and kind in ("Surn", "Name"), not_genitive, complete)


def _street_person_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _STREET_PERSON.finditer(text):
        words = [(m.start(1) + w.start(), m.start(1) + w.end(), _street_word(w.group()))
                 for w in _STREET_PERSON_WORD.finditer(m.group(1))]
        for k in range(1, len(words)):
            if words[k - 1][2].goes_on:
                continue
            person = [w for _, _, w in words[k:]]
            if all(w.name for w in person) and (any(w.not_genitive for w in person)
                                                or (k == 1 and words[0][2].complete and all(w.nominative for w in person))):
                a, b = words[k][0], words[-1][1]
                if not any(x < b and a < y for x, y in (s.span() for s in _STREET_NAMESAKES.finditer(text))):
                    spans.append((a, b))
            break
    return spans



# A person named right after a street's name with no house after it: «дома 54 по улице Мирной Джабраилов Малик обещал»
# (the real Kursk texts), «на улице Садовой Иванов Иван сказал». Two or three words, each a first name, surname or
# patronymic in the nominative, then a lower-case word or a stop; a street's name that goes on has its words in the
# genitive («улица Карла Маркса», «Героя Советского Союза Лоскутова») and is left, word by word from the left.
_STREET_THEN_PERSON = re.compile(
    r"(?i:(?<![\w-])(?:ул|улиц[аеуы]|пр|пр-к?т|просп|проспект[аеу]?|пер|переул[а-яё]*|б-р|бульвар[а-яё]*|пл|площад[а-яё]*"
    r"|наб|набережн[а-яё]*|шоссе|проезд[а-яё]*|тупик[а-яё]*|мкр|микрорайон[а-яё]*))\.?[ \t]*"
    r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?[ \t]+((?:[А-ЯЁ][а-яё]+[ \t]+){1,2}[А-ЯЁ][а-яё]+)"
    r"(?=[ \t]*(?:[,.;:!?)»—–-]|[а-яё]|$))")


def _nominative_person_word(word: str) -> bool:
    tags = [p.tag.grammemes for p in _morph().parse(word) if p.is_known]
    if not tags:
        return bool(_SURNAME_SHAPE.fullmatch(word)) and not _common_word(word)
    return any("nomn" in t and {"Name", "Surn", "Patr"} & t for t in tags) and not any({"Geox", "nomn"} <= t for t in tags)


def _street_then_person_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _STREET_THEN_PERSON.finditer(text):
        words = [(m.start(1) + w.start(), m.start(1) + w.end(), w.group())
                 for w in _STREET_PERSON_WORD.finditer(m.group(1))]
        while len(words) >= 2:
            if all(_nominative_person_word(w) for _, _, w in words) \
                    and any(_street_word(w).not_genitive for _, _, w in words):
                a, b = words[0][0], words[-1][1]
                if not any(x < b and a < y for x, y in (s.span() for s in _STREET_NAMESAKES.finditer(text))):
                    spans.append((a, b))
                break
            words = words[1:]
    return spans

# A surname on its own where the context says person: right after a flat's number («кв. [скрыто] (Петров)», «Квартира
# [скрыто], Иванова»: not a street with its house after it, «кв. [скрыто], Гагарина 5») or as a hashtag («#Зуева»).
_AFTER_FLAT_OR_TAG = re.compile(r"(?:(?i:(?<![\w-])(?:кв\.?|квартир[а-яё]*))\s*\[скрыто\][\s,:—-]*\(?|#)"
                                rf"({_W})(?![\w-])(?!\s*,?\s*(?:д\.|дом)?\s*\d)")
# A list of surnames, two or more («Иванов, Петров и Сидоров»; a mask among them is one found), each shaped or read
# as one: a person's when one of them was found as a name, or after a word for people («Жители:», «Подписали:»). A list
# of streets or villages («Ленина, Кирова», «Рышково, Дьяконово») has neither.
_LIST_ITEM = rf"(?:{_W}|\[ФИО\])"
_SURNAME_LIST = re.compile(rf"{_LIST_ITEM}(?:\s*,\s*{_LIST_ITEM}|\s+и\s+{_LIST_ITEM})+(?![\w-])")
_LIST_HINTS = ("жител", "жильц", "подпис", "сосед", "заявител", "исполнител", "ответственн")


def _list_hint(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in _LIST_HINTS)
_LIST_CUE = re.compile(r"(?i:(?<![\w-])(?:жител\w*|жильц\w*|подписал\w*|подписи|сосед\w*))[\s,:—-]*$")


def _with_context_surnames(text: str, out: list[tuple[int, int]], extra, place, outside) -> list[tuple[int, int]]:
    """The name spans with the lone surnames their context makes a person's (_AFTER_FLAT_OR_TAG, _SURNAME_LIST, and
    `extra`: a surname in capitals, _caps_surnames), merged."""
    spans = list(out) + list(extra)
    for m in (_AFTER_FLAT_OR_TAG.finditer(text) if "[скрыто]" in text or "#" in text else ()):
        a, b = m.span(1)
        if _surnameish(m.group(1)) and not place(a) and outside(a, b) == [(a, b)]:
            spans.append((a, b))
    # (looked for only where a name was found or a word for people stands: the pattern over every text cost 1 % of the
    # names stage)
    if ("," in text or " и " in text) and (spans or NAME_MARK in text or _list_hint(text)):
        for m in _SURNAME_LIST.finditer(text):
            items = [w for w in re.finditer(_LIST_ITEM, m.group()) if w.group() != "и"]
            words = [w for w in items if w.group() != NAME_MARK]
            found = len(words) < len(items) or any(a < m.start() + w.end() and m.start() + w.start() < b
                                                   for w in words for a, b in spans)
            # (the context first, the dictionary after: most lists are of streets and villages)
            if (found or _person_cue(text, m.start())
                    or _LIST_CUE.search(text, max(0, m.start() - 30), m.start())) \
                    and all(_surnameish(w.group()) for w in words) and not place(m.start()):
                spans += [(x, y) for w in words for x, y in outside(m.start() + w.start(), m.start() + w.end())]
    if len(spans) == len(out):
        return out
    return _merged_spans(spans)


# A surname in capitals in a sentence in lower case: «Прошу наказать ИВАНОВА за грязь» — shaped as one and read first as
# one, a lower-case word before it (not a preposition of a place: «на ЛЕНИНА», «в КУРЧАТОВ»), no capitals after it. A
# text shouted in capitals has streets in them («ВОДЫ НЕТ, ЛЕНИНА 5»): not read so.
_CAPS_LONE = re.compile(r"[А-ЯЁ]{4,}(?=[ \t]+[а-яё]|[,.!?;)]|$)")
_LOWER_BEFORE = re.compile(r"(?<![\w-])([а-яё]+)[ \t]+$")
_PLACE_PREPOSITIONS = frozenset("в во на по до от из под через около возле напротив вдоль угол улица ул".split())


def _caps_surnames(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _CAPS_LONE.finditer(text):
        a = m.start()
        if a == 0 or text[a - 1] not in " \t" or (a > 1 and not ("а" <= text[a - 2] <= "я" or text[a - 2] == "ё")):
            continue
        word = m.group().title()
        before = _LOWER_BEFORE.search(text, max(0, a - 30), a)
        if before and before.group(1) not in _PLACE_PREPOSITIONS and _SURNAME_SHAPE.fullmatch(word) \
                and _name_kind(word) == "Surn" and not _PLACE_BEFORE.search(text, max(0, a - 80), a):
            spans.append(m.span())
    return spans


_WORD_BEFORE = re.compile(r"(?<![\w.-])([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)(?![\w.-])")


def _with_surname_beside(text: str, start: int, stop: int, place, outside) -> tuple[int, int]:
    """A name span that starts or ends with a first name, widened over the word right beside it when that word
    is shaped as a surname or unknown to the dictionary («Зекунова Лилия», «Лилия Зекунова»): the dictionary
    does not know every surname, and one left beside a masked first name names the person all the same. Not
    over a word of a street or a place (`place`), nor a settlement of the reference (`outside`)."""
    words = list(_CAP_WORD.finditer(text, start, stop))
    if not words:
        return start, stop

    def surname(m) -> bool:
        w = m.group(1)
        a = m.start(1)
        return ((_SURNAME_SHAPE.fullmatch(w) or not _known_word(w) or w in _SHORT_SURNAMES)
                and _name_kind(w) not in ("Name", "Patr")
                and not place(a) and not _ORG_BEFORE.search(text, max(0, a - 40), a)   # «УК “Жилсервис”»
                and outside(a, m.end(1)) == [m.span(1)])
    if _name_kind(words[0].group()) == "Name" and (m := _WORD_BEFORE.search(text, max(0, start - 40), start)) \
            and surname(m):
        start = m.start(1)
    if _name_kind(words[-1].group()) == "Name" and (m := _WORD_AFTER.match(text, stop)) and surname(m):
        stop = m.end(1)
    return start, stop


# A sentence ends at . ! ? … before a space, unless the dot closes an initial («А. С. Мельников») or an
# abbreviation («ул. Евгения Носова», «д. 5»): NER reads a name with the words around it.
_ABBREVIATIONS = ("ул", "пр", "пер", "пл", "д", "г", "с", "п", "х", "кв", "им", "ст", "обл", "р-н", "тел", "т",
                  "пос", "мкр", "наб", "просп", "корп", "стр", "др", "пр-т", "пр-кт", "б-р", "м", "ж", "руб", "тыс")
# The punctuation first, its look-behinds after it (shifted by the one character): the regex engine then looks
# only at . ! ? … in a text, not at 30 look-behinds at every position (20 000 texts: 2,4 → 0,07 s, the same ends).
_END = "[.!?…]"
_SENTENCE_END = re.compile(_END + rf"(?<=[а-яёa-z0-9)»\"\]]{_END})"
                           + "".join(rf"(?<!\b{a}{_END})" for a in _ABBREVIATIONS) + _END + r"*(?=\s)")


def _sentences(text: str):
    start = 0
    for m in _SENTENCE_END.finditer(text):
        yield start, m.end()
        start = m.end()
    yield start, len(text)


def _needs_ner(piece: str) -> bool:
    return (bool(_FLAG_RE.search(piece)) or _cue_before_capital(piece)
            or any(_name_kind(m.group()) for m in _CAP_WORD.finditer(piece)))


# NER's finds per sentence and the masked form of each text, kept for the process: an export repeats
# sentences («Спасибо!», a template's line) and polars hands a column to the mask in several batches, each
# holding most of the column's distinct values (a 100 000-row export ran NER on the same addresses 16 times).
# Texts are long (a cached Cyrillic text is ~1,7 KB with its mask): fewer of them are kept than sentences.
_CACHE_LIMIT = 200_000
_TEXT_CACHE_LIMIT = 20_000
_ner_found: dict[str, list] = {}
_masked: dict[str, str] = {}


def _remember(cache: dict, key, value, limit: int = _CACHE_LIMIT) -> None:
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value


@functools.lru_cache(maxsize=200_000)
def _tagged(word: str, grammeme: str) -> bool:
    """The dictionary knows the word (any case) in a reading with the grammeme: «иванов» Surn, «иван» Name."""
    return any(parse.is_known and grammeme in parse.tag.grammemes for parse in _morph().parse(word))


# Three lower-case words, the last or the middle one shaped as a patronymic: «иванов иван иванович», «ольга петровна
# смирнова». A name when the dictionary knows them as a surname, a first name and a patronymic in that order (or a
# first name, a patronymic and a surname): the shape alone would take «вера надежда любовь» too.
_LOWER_WORD = r"[а-яё]+(?:-[а-яё]+)?"
_LOWER_PATR = r"[а-яё]+(?:(?:ович|евич|ьич|ич)(?:а|у|ем|е)?|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою))"
# (Looked for at every word, overlapping: «просит иван петрович сидоров» is no name from «просит», one from «иван».)
_LOWER_NAME = re.compile(rf"(?<![\w\[-])(?=({_LOWER_WORD})\s+({_LOWER_WORD})\s+({_LOWER_WORD})(?![\w-]))")
_LOWER_PATR_RE = re.compile(_LOWER_PATR)
_LOWER_NAME_PATR = re.compile(rf"(?<![\w\[-])(?=({_LOWER_WORD})\s+({_LOWER_PATR})(?![\w-]))")
# A surname after «фамилия» / «по фамилии», in any case («моя фамилия Кузнецов», «по фамилии петров»), unless the word
# says the surname is missing («фамилия не указана», «Фамилия: Неизвестна»). A capitalised word there is the surname
# even when it is also a word («фамилия Белая», «по фамилии Лис»); a lower-case one must not be a common word.
_NOT_A_SURNAME = frozenset("не нет неизвестна неизвестно неизвестен указана указано скрыта изменена отсутствует "
                           "имя отчество заявителя автора гражданина".split())
_AFTER_SURNAME_WORD = re.compile(r"(?i:(?<![\w-])(?:фамилия|по\s+фамилии))[\s:—–-]+"
                                 r"([А-ЯЁа-яё][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)?)(?![\w-])")


# A lower-case surname after a word for a person: «мастер петров», «звонила иванова мария», «к мастеру кузнецову» (the
# capitalised-word checks see «Мастер Петров»). The word must read first as a surname in the dictionary, or as
# someone's (animate) while a surname in some reading: «жильцов домов», «мастеров участков» stay. A first name right
# after it goes with it.
_LOWER_CUE = (r"(?i:сосед|мастер|слесар|водител|врач|фельдшер|учител|воспитател|директор|начальник|глав|участков"
              r"|диспетчер|председател|сотрудник|управляющ|специалист|инспектор|консультант|гражданин|гражданк"
              r"|заявител|звонил|пишет|обратил|подписал|мужчин|женщин)[а-яё]*")
_LOWER_SURNAME = r"[а-яё]+(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|ом|е|ою)?"
# (Looked for at every word, overlapping: in «обратился гражданин ахмедов» the cue «обратился» takes «гражданин».)
_LOWER_AFTER_CUE = re.compile(rf"(?<![\w-])(?={_LOWER_CUE}\s+({_LOWER_SURNAME})(?:\s+([а-яё]+))?(?![\w-]))")
# A lower-case surname and first name side by side, no word for a person before them: «петрова анна, звоните», «спасибо,
# анна петрова» (_surname_pairs). The surname as _LOWER_AFTER_CUE takes it, the first name read first as one: «новая
# анна», «готов павел» stay. Each word shaped as a surname is looked at, then the words beside it: a look-ahead at every
# word of every text the hint finds (half the real ones) cost 17 % of the names stage. The surname may be capitalised
# beside a lower-case first name («Петрова анна», «анна Петрова»), unless a street or a place word is before it.
_LOWER_SURNAME_RE = re.compile(_LOWER_SURNAME)
_LOWER_SURNAME_WORD = re.compile(r"(?<![\w\[-])[А-ЯЁа-яё][а-яё]*(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|ом|е|ою)?(?![\w-])")
_LOWER_WORD_AFTER = re.compile(rf"\s+({_LOWER_WORD})(?![\w-])")
_LOWER_WORD_BEFORE = re.compile(rf"(?<![\w\[-])({_LOWER_WORD})\s+$")
# The texts _surname_pairs reads (Rust, over a batch): a word ending as a surname beside another lower-case one.
SURNAME_PAIR_HINT = (rf"[а-яё](?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|ом|е|ою)?\s+[а-яё]"
                     r"|[а-яё]\s+[А-ЯЁа-яё][а-яё]*(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|ом|е|ою)?(?:[^\w-]|$)")

# The texts _plain_names can change: a word ending as a lower-case patronymic does (_LOWER_PATR), or «фамилия» in any
# case. Looked for in Rust over a whole batch: «ичн» alone is in every sixth real text («личный», «различные»), and
# reading those word by word in Python took 2,4 s of 200 000 real texts.
PLAIN_NAME_HINT = (r"[а-яё](?:(?:ович|евич|ьич|ич)(?:а|у|ем|е)?|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою))(?:[^\w-]|$)"
                   r"|амили"
                   rf"|{_LOWER_CUE}\s+{_LOWER_SURNAME}(?:[^\w-]|$)"
                   r"|(?:^|[^а-яёА-ЯЁ])(?i:зовут|звать|мо[её]\s+имя)\s+[а-яё]")   # (not «вызвать полицию»)
# A name in lower case after «меня зовут», «моё имя»: «меня зовут анна петрова» — the words the dictionary reads first as
# a name, surname or patronymic, up to three («зовут на собрание» stays).
_CALLED_LOWER = re.compile(r"(?i:(?<![\w-])(?:зовут(?:\s+меня)?|звать|мо[её]\s+имя))\s+([а-яё]+(?:\s+[а-яё]+){0,2})(?![\w-])")


@functools.lru_cache(maxsize=200_000)
def _lower_surname(word: str) -> bool:
    """The dictionary reads the word first as a surname, or as someone's (animate) while a surname in some reading."""
    parses = _morph().parse(word)   # (read once: _tagged would read the word again)
    first = parses[0]
    return first.is_known and ("Surn" in first.tag or ("anim" in first.tag and any(
        p.is_known and "Surn" in p.tag.grammemes for p in parses)))


@functools.lru_cache(maxsize=200_000)
def _first_name(word: str) -> bool:
    """The dictionary reads the word first as a first name («анна», not «вера»: a noun first)."""
    first = _morph().parse(word)[0]
    return first.is_known and "Name" in first.tag


@functools.lru_cache(maxsize=200_000)
def _patronymic(word: str) -> bool:
    """The dictionary reads the word first as a patronymic («павловна», «петрович»)."""
    first = _morph().parse(word)[0]
    return first.is_known and "Patr" in first.tag


def _merged_spans(spans) -> list[tuple[int, int]]:
    """Spans sorted, the overlapping and touching ones joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


_STREET_PREPOSITION = re.compile(r"(?i:\b(?:на|по|до|угол|углу|пересечени\w*|перекр[её]ст\w*|адресу))\s*$")


def _surname_pairs(text: str) -> str:
    """A lower-case surname with a first name after or before it (_LOWER_SURNAME_WORD)."""
    spans = []
    for m in _LOWER_SURNAME_WORD.finditer(text):
        if (spans and m.start() < spans[-1][1]) or not _lower_surname(m.group()):
            continue
        if m.group()[0].isupper() and (_PLACE_BEFORE.search(text, max(0, m.start() - 80), m.start())
                                       or _STREET_PREPOSITION.search(text, max(0, m.start() - 30), m.start())):
            continue        # «ул. Петрова анна …», «на Кирова мария …»: a street (but «жалоба от Петровой анны»)
        if (n := _LOWER_WORD_AFTER.match(text, m.end())) and _first_name(n.group(1)):
            spans.append((m.start(), n.end(1)))
        elif (n := _LOWER_WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())) \
                and (not spans or n.start(1) >= spans[-1][1]) and _first_name(n.group(1)):
            spans.append((n.start(1), m.end()))
    for a, b in reversed(spans):
        text = text[:a] + NAME_MARK + text[b:]
    return text


def _plain_names(text: str) -> str:
    """What the capitalised-word checks cannot see: a full name in lower case, a lower-case surname after a word for
    a person, a surname after «фамилия», a lower-case name after «меня зовут»."""
    def full_name(words) -> bool:
        for order in (("Surn", "Name", "Patr"), ("Name", "Patr", "Surn")):
            if _LOWER_PATR_RE.fullmatch(words[order.index("Patr")]) \
                    and all(_tagged(w, g) for w, g in zip(words, order)):
                return True
        return False

    lower_surname, first_name = _lower_surname, _first_name
    def surname(m) -> str:
        word = m.group(1)
        if word.lower() in _NOT_A_SURNAME or (word[0].islower() and _common_word(word[0].upper() + word[1:])):
            return m.group()
        return m.group()[:m.start(1) - m.start()] + NAME_MARK
    if re.search(r"[а-яё](?:ович|евич|ьич|овн|евн|ичн)", text):
        spans = []
        for m in _LOWER_NAME.finditer(text):
            if (not spans or m.start(1) >= spans[-1][1]) and full_name(m.group(1, 2, 3)):
                spans.append((m.start(1), m.end(3)))
        for a, b in reversed(spans):
            text = text[:a] + NAME_MARK + text[b:]
        # A first name and a patronymic, the surname left out: «соседка мария ивановна». A patronymic makes a word that
        # is a name only in some reading one too: «вера павловна», «роман петрович».
        spans = []
        for m in _LOWER_NAME_PATR.finditer(text):
            if (not spans or m.start(1) >= spans[-1][1]) and _tagged(m.group(2), "Patr") \
                    and (first_name(m.group(1)) or (_tagged(m.group(1), "Name") and _patronymic(m.group(2)))):
                spans.append((m.start(1), m.end(2)))
        for a, b in reversed(spans):
            text = text[:a] + NAME_MARK + text[b:]
    spans = []
    for m in _LOWER_AFTER_CUE.finditer(text):
        if (not spans or m.start(1) >= spans[-1][1]) and lower_surname(m.group(1)):
            spans.append((m.start(1), m.end(2) if m.group(2) and first_name(m.group(2)) else m.end(1)))
    for a, b in reversed(spans):
        text = text[:a] + NAME_MARK + text[b:]

    def called(m) -> str:
        end = None
        for w in re.finditer(r"[а-яё]+", m.group(1)):
            first = _morph().parse(w.group())[0]
            if not (first.is_known and {"Name", "Surn", "Patr"} & first.tag.grammemes):
                break
            end = w.end()
        if end is None:
            return m.group()
        a = m.start(1) - m.start()
        return m.group()[:a] + NAME_MARK + m.group()[a + end:]
    if re.search(r"(?i:зовут|звать|имя)", text):
        text = _CALLED_LOWER.sub(called, text)
    return _AFTER_SURNAME_WORD.sub(surname, text) if "амили" in text else text


# Words in capitals: «ИВАНОВА АННА ПЕТРОВНА», «Заявитель ПЕТРОВ ИВАН», «ТАТЬЯНА, Здравствуйте!». Read by the name checks
# as if title-cased where they look like a name: two or more side by side, each known to the dictionary as a name,
# surname or patronymic (_name_kind) or shaped as a surname («ХАБИБУЛЛИНА ЗУЛЬФИЯ»), a first name or patronymic among
# them; or one known word after a word for a person, in a greeting, beside a phone or initials. Alone, a word in
# capitals is mostly an abbreviation or a name of a firm, a car, a club («АСТ», «ДК ЛИРА», «ОПЕЛЬ АСТРА»). A street in
# capitals is judged as one in title case («УЛ. КАРЛА МАРКСА»). The title-cased copy has the text's length: the spans
# found in it are masked in the text itself.
_CAPS_WORD = re.compile(r"(?<![\w-])[А-ЯЁ]{2,}(?:-[А-ЯЁ]{2,})?(?![\w-])")
_CAPS_HINT = re.compile(r"[А-ЯЁ]{3}")
_GREETING_BEFORE = re.compile(r"(?:(?i:зовут|звать|имя|уважаем\w*|здравствуйте|добрый\s+(?:день|вечер)|доброе\s+утро"
                              r"|спасибо|благодар\w*)|\[телефон\]|(?<![А-ЯЁ])[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.\s?)?)[\s,:—-]*$")
_GREETING_AFTER = re.compile(r"\s*,\s*(?i:здравствуй|добр|уважаем|спасибо|благодар|привет)|[\s,:—-]*\[телефон\]"
                             r"|\s+[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.)?")


def _title_caps(text: str) -> str:
    if not _CAPS_HINT.search(text):
        return text
    words = [(m.start(), m.end(), m.group().title()) for m in _CAPS_WORD.finditer(text)]
    kinds = [_name_kind(t) for _, _, t in words]
    if not any(kinds):
        return text
    out = list(text)
    nameish = [bool(k) or bool(_SURNAME_SHAPE.fullmatch(t)) or t in _SHORT_SURNAMES for (_, _, t), k in zip(words, kinds)]
    i = 0
    while i < len(words):
        j = i + 1      # words[i:j]: name-like words side by side (spaces between)
        while nameish[i] and j < len(words) and nameish[j] and text[words[j - 1][1]:words[j][0]].strip(" \t") == "":
            j += 1
        a, b = words[i][0], words[j - 1][1]
        cue = _PERSON_CUE.search(text, max(0, a - 60), a) if j - i == 1 else None
        if cue and not _common_word(re.match(r"\w+", cue.group()).group().capitalize()):
            cue = None     # a word that only begins as one: «УК Жилсервис АРКС» (жил-)
        # (two words or more: a first name or a patronymic among them — «ЛЕНИНА ГАГАРИНА» is a crossroads)
        if any(kinds[i:j]) and ((j - i > 1 and {"Name", "Patr"} & set(kinds[i:j])) or cue
                                or _GREETING_BEFORE.search(text, max(0, a - 30), a)
                                or _GREETING_AFTER.match(text, b)):
            for x, y, t in words[i:j]:
                out[x:y] = t
        i = j
    return "".join(out)


# Latin letters: two or three capitalised words («Ivan Petrov», «Kim Sergey», «Ivanova Anna Petrovna»), a name when,
# transliterated, the dictionary knows one as a first name or patronymic and the others as names, surnames or
# patronymics — no list of names needed. Brands («Lada Granta», «Kia Rio») are not.
# (and in capitals, in lower case with a word ending as a surname, with initials: _latin_names)
_LATIN_HINT = (r"[A-Z][a-z]+[ \t]+[A-Z][a-z]|[A-Z]{2}[ \t]+[A-Z]{2}|[a-z][ \t]+[a-z]+(?:ov|ev|in|sky|skiy)a?(?:[^a-z]|$)"
               r"|[a-z](?:ov|ev|in|sky|skiy)a?[ \t]+[a-z]|[A-Z][a-z]+[ \t]+[A-Z]\.|[A-Z]\.[ \t]?(?:[A-Z]\.[ \t]?)?[A-Z][a-z]")
_LATIN_HINT_RE = re.compile(_LATIN_HINT)
_LATIN_RUN = re.compile(r"(?<![\w.@/-])[A-Z][a-z]{1,20}(?:[ \t]+[A-Z][a-z]{1,20}){1,2}(?![\w@/-])")
_TRANSLIT = [("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"), ("ch", "ч"), ("sh", "ш"),
             ("yu", "ю"), ("ya", "я"), ("yo", "ё"), ("ye", "е"), ("ey", "ей"), ("iy", "ий"), ("ay", "ай"), ("oy", "ой"),
             ("lg", "льг"), ("ia", "ия"), ("x", "кс"), ("y", "ы"),
             *zip("abvgdezijklmnoprstufhcwq", "абвгдезийклмнопрстуфхквк")]


@functools.lru_cache(maxsize=50_000)
def _latin_kind(word: str) -> str | None:
    w = word.lower()
    for latin, cyr in _TRANSLIT:
        w = w.replace(latin, cyr)
    w = w[0].upper() + w[1:]
    kind = _name_kind(w) or (_name_kind(w + "ь") if w[-1] not in "аеиоуыэюяйь" else None)
    if kind is None and w in _SHORT_SURNAMES:
        kind = "Surn"
    return kind


# In capitals: «IVANOV IVAN», read as if title-cased (brands: «LADA GRANTA»). In lower case: two words, a first name the
# dictionary reads first as one and a word shaped as a surname that reads as one («ivan petrov», «anna ivanova»): English
# words seldom end so. A surname with initials: «Petrov I.I.», «I. Petrov», «Sidorova A. S.».
_LATIN_CAPS_RUN = re.compile(r"(?<![\w.@/-])[A-Z]{2,20}(?:[ \t]+[A-Z]{2,20}){1,2}(?![\w@/-])")
_LATIN_LOWER_PAIR = re.compile(r"(?<![\w.@/-])(?=([a-z]{2,20})[ \t]+([a-z]{2,20})(?![\w@/-]))")
_LATIN_SURNAME_SHAPE = re.compile(r"[a-z]+(?:ov|ev|in|sky|skiy|skaya)a?")
_LATIN_INITIALS = re.compile(r"(?<![\w.@/-])(?:([A-Z][a-z]{1,20})[ \t]+[A-Z]\.(?:[ \t]?[A-Z]\.?)?"
                             r"|[A-Z]\.[ \t]?(?:[A-Z]\.[ \t]?)?([A-Z][a-z]{1,20}))(?![\w@/-])")


@functools.lru_cache(maxsize=50_000)
def _latin_first_name(word: str) -> bool:
    w = word.lower()
    for latin, cyr in _TRANSLIT:
        w = w.replace(latin, cyr)
    return _first_name(w) or (w[-1] not in "аеиоуыэюяйь" and _first_name(w + "ь"))


def _latin_names(text: str) -> str:
    spans = []
    runs = [(r.start(), [(w.start(), w.end(), w.group()) for w in re.finditer(r"[A-Za-z]+", r.group())])
            for r in _LATIN_RUN.finditer(text)]
    runs += [(r.start(), [(w.start(), w.end(), w.group().title()) for w in re.finditer(r"[A-Z]+", r.group())])
             for r in _LATIN_CAPS_RUN.finditer(text)]
    for start, words in runs:
        group = []   # the run's words side by side that read as names («Writes Ivan Petrov»: the last two)
        for w in [*words, None]:
            kind = _latin_kind(w[2]) if w else None
            if kind:
                group.append((start + w[0], start + w[1], kind))
                continue
            if len(group) > 1 and any(k in ("Name", "Patr") for _, _, k in group):
                spans.append((group[0][0], group[-1][1]))
            group = []
    for m in _LATIN_LOWER_PAIR.finditer(text):
        x, y = m.group(1, 2)
        # (a first name of three letters or more: the dictionary reads «at», «is», «an» transliterated as ones)
        if any((len(f) > 2 and _latin_first_name(f) and _LATIN_SURNAME_SHAPE.fullmatch(s) and _latin_kind(s) == "Surn")
               for f, s in ((x, y), (y, x))):
            spans.append((m.start(1), m.end(2)))
    for m in _LATIN_INITIALS.finditer(text):
        word = m.group(1) or m.group(2)
        if _latin_kind(word) == "Surn" or _LATIN_SURNAME_SHAPE.fullmatch(word.lower()):
            spans.append(m.span())
    for a, b in reversed(_merged_spans(spans)):
        text = text[:a] + NAME_MARK + text[b:]
    return text


def mask_names(texts: list[str]) -> list[str]:
    """Names in texts (already through MASKS) replaced by [ФИО]: patterns, the name dictionary and NER,
    places left alone. NER (about 6 ms a text) reads only the sentences a pattern flags or where the
    dictionary found a name, each distinct sentence once, shortest first so that a batch pads little."""
    batch = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(
        hint=pl.col("t").str.contains(PLAIN_NAME_HINT), caps=pl.col("t").str.contains(_CAPS_HINT.pattern),
        latin=pl.col("t").str.contains(_LATIN_HINT), pair=pl.col("t").str.contains(SURNAME_PAIR_HINT),
        chinese=pl.col("t").str.contains(_CHINESE_HINT))
    # (what each text may hold, looked for in Rust over the batch)
    latin, caps, chinese = batch["latin"].to_list(), batch["caps"].to_list(), batch["chinese"].to_list()
    texts = [_plain_names(text) if hint else text for text, hint in zip(texts, batch["hint"].to_list())]
    texts = [_surname_pairs(text) if pair else text for text, pair in zip(texts, batch["pair"].to_list())]
    # names in capitals read as title-cased, the length kept
    shadows = [_title_caps(text) if cap else text for text, cap in zip(texts, caps)]
    jobs = []   # (text index, offset, sentence)
    for i, text in enumerate(shadows):
        for a, b in _sentences(text):
            if _needs_ner(text[a:b]):
                jobs.append((i, a, text[a:b]))
    with _lock, _one_blas_thread():
        todo = sorted({j[2] for j in jobs if j[2] not in _ner_found}, key=len)
        if todo:
            for sentence, markup in zip(todo, _ner().map(todo)):
                _remember(_ner_found, sentence, [(s.type, s.start, s.stop) for s in markup.spans])
        found: dict[int, list] = {}
        for i, offset, sentence in jobs:
            spans = _ner_found.get(sentence)
            if spans is None:       # dropped by a full cache between the two loops: read it again
                spans = [(s.type, s.start, s.stop) for s in next(iter(_ner().map([sentence]))).spans]
            found.setdefault(i, []).extend((kind, a + offset, b + offset) for kind, a, b in spans)
    out = []
    places = _known_places()
    for i, text in enumerate(texts):
        extra = _caps_surnames(text) if caps[i] else []
        if chinese[i]:     # (found in Rust over the batch: in Python, the pattern over every text cost 1 %)
            extra += [m.span() for m in _CHINESE_NAME_RE.finditer(text)]
        for start, stop in reversed(_name_spans(shadows[i], found.get(i, []), places, extra)):
            text = text[:start] + NAME_MARK + text[stop:]
        if latin[i]:
            text = _latin_names(text)
        if NAME_MARK in text:
            text = _MARK_BRACKETED.sub(_bracketed_surname, text)
            text = _WORD_BEFORE_MARK.sub(_surname_before_mark, _FIRST_AFTER_MARK.sub(_first_name_after_mark, text))
            text = _SHORT_BEFORE_MARK.sub(NAME_MARK, _FIO_RUN.sub(NAME_MARK, text))
        out.append(_DATE_AFTER_NAME.sub(r"\1[дата рождения]", text))
    return out


# A large batch is masked by two processes, half each: on real texts (every row its own) NER and the name checks
# are nearly all of a load, and the machine has two cores. The second process (`python -m etl.privacy`, texts in
# and out as JSON) is started for the batch and ends with it, so nothing lingers beside the app; its start and
# the models' load (~2 s) are why small batches stay in this process. A text's mask depends on it alone, so the
# halves come out as one batch would; if the second process fails, this one masks its half too.
# What a batch costs is mostly its sentences that NER reads: a batch of templates (the bench's 7 000 texts, 1 500
# such sentences: 0,4 s here, 1,0 s in two) or of 6 000 real texts (2 900 sentences: 1,8 s either way) gains
# nothing from the second process's start; 20 000 real texts (9 200 sentences) take 4,7 s here and 3,4 s in two.
# The count is estimated from the batch's first texts.
PARALLEL_MIN = 5_000
PARALLEL_MIN_SENTENCES = 5_000
_SAMPLE = 2_000


def _ner_sentences(texts: list[str]) -> float:
    """How many sentences of the batch NER would read, estimated from its first _SAMPLE texts."""
    sample = texts[:_SAMPLE]
    flagged = sum(_needs_ner(text[a:b]) for text in sample for a, b in _sentences(text))
    return flagged * len(texts) / max(1, len(sample))


def _mask_names_parallel(texts: list[str]) -> list[str]:
    if (len(texts) < PARALLEL_MIN or (os.cpu_count() or 1) < 2
            or _ner_sentences(texts) < PARALLEL_MIN_SENTENCES):
        return mask_names(texts)
    import json
    import subprocess
    import sys

    half = len(texts) // 2
    try:
        child = subprocess.Popen([sys.executable, "-m", "etl.privacy"], cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, env=os.environ | {"OPENBLAS_NUM_THREADS": "1"})
    except OSError:         # no second process to be had: all of it here
        return mask_names(texts)
    payload = json.dumps(texts[half:], ensure_ascii=False).encode("utf-8")

    def feed():
        try:
            child.stdin.write(payload)
            child.stdin.close()
        except OSError:     # the child is gone: its half is masked here below
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()      # while the child starts, this process masks its own half
    try:
        first = mask_names(texts[:half])
        out = child.stdout.read()
        writer.join()
        try:
            second = json.loads(out) if child.wait() == 0 and out else None
        except ValueError:      # cut short: its half is masked here below
            second = None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if not isinstance(second, list) or len(second) != len(texts) - half:
        second = mask_names(texts[half:])
    return first + second


# Distinct texts masked at a time. A regional export holds a million texts, each its own: all of them at once
# as Python strings (the list, the second process's JSON both ways, the masks) took 6,6 GB; a part at a time,
# with the masks gathered in Arrow, holds one part. (Each part starts its own second process: ~1 s a part.)
MASK_CHUNK = 100_000


# The texts the name stage reads (Rust regex): a capitalised word, a word in capitals, two capitalised Latin words, or
# what the plain rules look for.
NAMES_HINT = f"[А-ЯЁ][а-яё]|{_CAPS_HINT.pattern}|{_LATIN_HINT}|{PLAIN_NAME_HINT}|{SURNAME_PAIR_HINT}"


def _mask_names_series(s: pl.Series) -> pl.Series:
    if s.dtype != pl.String:
        return s
    # (NAMES_HINT: a capitalised word, a word in capitals, two Latin ones, or what _plain_names and _surname_pairs look for)
    candidate = s.str.contains(NAMES_HINT).fill_null(False)
    if not candidate.any():
        return s
    distinct = s.filter(candidate).unique(maintain_order=True)   # rejected rows' columns repeat their values
    _known_places()   # the reference changed since the masks kept were made: they go
    parts = []
    for offset in range(0, len(distinct), MASK_CHUNK):
        chunk = distinct.slice(offset, MASK_CHUNK).to_list()
        with _lock:
            known = [_masked.get(v) for v in chunk]
        todo = [v for v, m in zip(chunk, known) if m is None]
        fresh = _mask_names_parallel(todo) if todo else []
        with _lock:
            for value, masked in zip(todo, fresh):
                _remember(_masked, value, masked, _TEXT_CACHE_LIMIT)
        fresh = iter(fresh)
        parts.append(pl.Series([m if m is not None else next(fresh) for m in known], dtype=pl.String))
    masks = pl.DataFrame({"v": distinct, "m": pl.concat(parts)})
    found = pl.DataFrame({"v": s}).join(masks, on="v", how="left", maintain_order="left")["m"]
    return pl.select(pl.when(pl.lit(candidate)).then(pl.lit(found)).otherwise(pl.lit(s))).to_series().alias(s.name)


# A source column that holds the applicant whatever its content («Заявитель», «Телефон заявителя», «E-mail
# заявителя», «Адрес заявителя», «URL автора», «ФИО»): withheld wherever source rows are kept (rejects).
# Headers of columns that name or reach the applicant: withheld whole wherever a row's cells are kept
# (rejects, a row's extra columns, the upload preview).
# The applicant's own address («Адрес проживания», «Почтовый адрес», «Обратный адрес», «Место жительства») is personal
# (DESIGN.md §2), unlike the problem's («Адрес», «Адрес проблемы», mapped to `address`).
PERSONAL_HEADER = re.compile(r"(?i)(?<!^ответ\s)(?<!^текст\sответа\s)заявител|автор|\bфио\b|пользовател|телефон|e-?mail|почт[аы]|паспорт|снилс"
                             r"|рождени|профил|applicant|requester|reporter|caller|complainant|phone|"
                             r"first.?name|last.?name|full.?name|contact|birth"
                             r"|\bтел\b|\bмоб\w*\b|гражданин|почтов|обратн\w*\s+адрес|домашн\w*\s+адрес"
                             r"|адрес\w*\s+(?:проживани|регистрац|для\s+(?:ответа|переписки|корреспонденц)|места\s+жител)"
                             r"|мест\w*\s+(?:жительства|проживания|регистрации)|прописк|residen|home.?address|postal|mailing"
                             # a name split over columns, the signer, the contacts, where the answer went and the home's
                             # postal code (a 59-ФЗ register: «Фамилия», «Имя», «Отчество», «Ф.И.О.», «Кто подписал»,
                             # «Контакты», «Ответ направлен», «Индекс»)
                             r"|фамили|\bимя\b|\bотчеств|\bф\.\s?и\.\s?о\b|подписал|подписант|корреспондент|контакт(?![\w-]*[\s-]+центр)"
                             r"|ответ\w*\s+направлен|^\s*(?:почтовый\s+)?индекс\s*$"
                             # who wrote or gets the answer, the accounts, the flat: «От кого», «Кто обратился», «Подпись»,
                             # «Получатель ответа», «Telegram», «Ник», «Логин», «Лицевой счёт», «ИНН», «Кв.»
                             r"|\bот\s+кого\b|\bкто\s+обратил|обративш|\bподпись|получател|(?<!\()(?:telegram|телеграм)(?![\w-]*[\s-]*канал)|\bник\b"
                             r"|никнейм|nickname|\bлогин|\blogin|лицев\w*\s+сч[её]т|\bл/с\b"
                             r"|\bинн\b(?!\s*(?:организаци|ук\b|подрядчик|исполнител|компани|предприяти|учреждени|поставщик|юр))"
                             r"|^\s*(?:№\s*|номер\s+)?(?:кв\.?|квартир[аыу])\s*$"
                             # the owner of a home or a car (not of a road or a network: a body), who answered (an
                             # official by name, not «Ответил в срок»), a representative; not an organisation's ИНН, a
                             # Telegram channel, a contact centre, the answer to the applicant («Ответ заявителю»)
                             r"|собственник(?!\w*\s*\(?\s*(?:дорог|сет|балансодерж|объект|инфраструктур|линии|сооружени))"
                             r"|^\s*владел\w*\s*$|владел\w*\s+(?:помещени|квартир|жиль|дом|тс\b|автомоб|машин)"
                             r"|^\s*(?:кто\s+)?ответил\w*\s*(?:\(|$)|представител")
# An address column, withheld as the applicant's home wherever the profile does not map it as the problem's
# (etl.frames._extra, Detection.withheld): the letters profile maps none, and a 59-ФЗ register's «Адрес» is the
# applicant's (DESIGN.md §2).
ADDRESS_HEADER = re.compile(r"(?i)адрес|address")


def personal_column(header: str) -> bool:
    return bool(PERSONAL_HEADER.search(header))


def address_column(header: str) -> bool:
    return bool(ADDRESS_HEADER.search(header))


def mask_expr(expr: pl.Expr) -> pl.Expr:
    """Free text with ФИО (in capitals and Latin letters too), phones, e-mails, profile links, @handles, dates of birth,
    identity documents, car plates and flat numbers replaced by placeholders."""
    # Called once a chunk of the column: etl/read.py hands over its frames in one chunk, so a column's
    # distinct values are found and masked once.
    return expr.map_batches(_mask_series, return_dtype=pl.String, is_elementwise=True)


def _mask_series(s: pl.Series) -> pl.Series:
    """The patterns, then the names, on each distinct value once (core.text.per_distinct; patterns on the 1 M-row
    bench export: 5,9 → 0,05 s)."""
    return per_distinct(s, lambda distinct: _mask_names_series(mask_patterns(distinct)))


def mask_patterns(s: pl.Series) -> pl.Series:
    """The pattern masks (MASKS) alone, on every value: what texts stored by an older version are masked again
    with (etl.build.remask_stored); names need their context and the models, and were masked at load."""
    e = pl.col("v")
    for pattern, repl in MASKS:
        e = e.str.replace_all(pattern, repl)
    return pl.DataFrame({"v": s}).select(e)["v"].alias(s.name)




# The stored values remask_stored reads (in SQL, before remask_text): a digit, an @ or a dot (every pattern hides a
# number, an address or a link), a hint of a name the plain rules find, a word in capitals, a pair of Latin ones, a cue
# for a lone surname added since, a short surname.
REMASK_HINT = ("[0-9@.]|[А-ЯЁ]{3}|" + _LATIN_HINT + "|(?i:пенсионер|ветеран|инвалид|обращени|жител|ип\s)|"
               r"(?i:исполнител|ответственн|подготовил|звонил|ответил|управдом|родственни|подписал|жильц|сосед)|"
               r"(?i:tg|тг|телег|telegram|ник|логин|username|юзернейм|инст|skype|скайп|discord|дискорд)[^a-zA-Z\n]{0,12}[a-zA-Z]|"
               r"(?i:собака|точка)[\])]?\s*[a-zA-Z]|[a-zA-Z]\s+(?i:at|dot)\s+[a-zA-Z]|"     # an e-mail in words
               r"\[скрыто\]|#[А-ЯЁ]|\[ФИО\][\s,]+(?:и\s+)?[А-ЯЁ]|[а-яё][ \t]+\[ФИО\]|\[ФИО\][ \t]+[а-яё]|"
               r"[А-ЯЁ][а-яё]+[ \t]+[А-ЯЁ][ \t]?[А-ЯЁ]|[А-ЯЁ][ \t]?[А-ЯЁ][ \t]+[А-ЯЁ][а-яё]|" + _CHINESE_HINT + "|"
               + _SHORT_SURNAME + r"\s+\[|\[ФИО\]\s*\(|" + PLAIN_NAME_HINT + "|" + SURNAME_PAIR_HINT)
# Stored texts the whole name masking reads again (each needs it): a name in capitals or Latin letters, a capitalised word
# after a cue added since, a short surname left beside a mask or before an initial.
_NAMES_AGAIN = re.compile(r"(?i:пенсионер|ветеран|инвалид|обращени|жител(?:ь|ьниц|я\b|ю\b|ем\b|е\b))[а-яё]*"
                          r"(?:\s+[а-яё]+)?[\s,:—-]+[А-ЯЁ]|(?<![\w-])(?i:ип)\s+[А-ЯЁ]"
                          # the cues, lists, flats and hashtags of _PERSON_CUE, _SURNAME_LIST, _AFTER_FLAT_OR_TAG
                          r"|(?i:исполнител|ответственн|подготовил|позвонил|перезвонил|ответил|управдом|родственни"
                          r"|инвалид|сотрудник|мастер|специалист|инспектор|начальник|жител|жильц|подписал)[а-яё]*(?:\s+(?:[а-яё]+|[А-ЯЁ]{2,5}|\d\s+групп[ыа]))?"
                          r"[\s,:—-]+[А-ЯЁ]|\[скрыто\][\s,:—-]*\(?[А-ЯЁ]|#[А-ЯЁ]|\[ФИО\](?:\s*,\s*|\s+и\s+)[А-ЯЁ]"
                          r"|[А-ЯЁ][а-яё]+(?:\s*,\s*|\s+и\s+)\[ФИО\]"
                          # initials without dots (_bare_initials)
                          r"|[А-ЯЁ][а-яё]+[ \t]+(?:[А-ЯЁ]{2}|[А-ЯЁ] [А-ЯЁ])(?![\w.-])|(?<![\w.-])(?:[А-ЯЁ]{2}|[А-ЯЁ] [А-ЯЁ])[ \t]+[А-ЯЁ][а-яё]"
                          r"|" + _CHINESE_NAME +
                          rf"|(?<![\w-]){_SHORT_SURNAME}\s+(?:\[ФИО\]|[А-ЯЁ]\.)|\[ФИО\]\s*\([А-ЯЁ]")


def _names_again(text: str | None) -> bool:
    return bool(text) and (bool(_NAMES_AGAIN.search(text)) or _title_caps(text) != text or bool(_caps_surnames(text))
                           or bool(_street_person_spans(text)) or bool(_street_then_person_spans(text))
                           or (bool(_LATIN_HINT_RE.search(text)) and _latin_names(text) != text))


def remask_text(s: pl.Series) -> pl.Series:
    """What texts stored by an older version are masked again with (etl.build.remask_stored): the pattern masks, the
    name rules that need no context beyond their words (a full name in lower case, a lower-case surname beside a first
    name, a surname after «фамилия», a name after «меня зовут»), and the whole name masking for the few texts a rule added since finds (_names_again: a name in
    capitals or Latin letters, a surname after «пенсионер»)."""
    s = mask_patterns(s)
    hinted = s.str.contains(PLAIN_NAME_HINT).fill_null(False)
    if hinted.any():
        s = pl.select(pl.when(pl.lit(hinted)).then(pl.lit(s).map_elements(_plain_names, return_dtype=pl.String))
                      .otherwise(pl.lit(s))).to_series().alias(s.name)
    paired = s.str.contains(SURNAME_PAIR_HINT).fill_null(False)
    if paired.any():
        s = pl.select(pl.when(pl.lit(paired)).then(pl.lit(s).map_elements(_surname_pairs, return_dtype=pl.String))
                      .otherwise(pl.lit(s))).to_series().alias(s.name)
    values = s.to_list()
    # a surname an older version left before a masked name, a lower-case first name after one
    values = [_WORD_BEFORE_MARK.sub(_surname_before_mark, _FIRST_AFTER_MARK.sub(_first_name_after_mark, v))
              if v and NAME_MARK in v else v for v in values]
    s = pl.Series(s.name, values, dtype=pl.String)
    again = [i for i, v in enumerate(values) if _names_again(v)]
    if not again:
        return s
    for i, masked in zip(again, mask_names([values[i] for i in again])):
        values[i] = masked
    return pl.Series(s.name, values, dtype=pl.String)


# Bumped when a name rule that remask_text applies changes in its code, not in a pattern listed below: «вера павловна»
# (a patronymic makes a word that is a name only in some reading one); 2: a surname before a mark, initials without dots,
# Latin names in lower case (_surname_before_mark, _bare_initials, _latin_names); 3: a person between a street's name and
# the house (_street_person_spans), a capitalised surname beside a lower-case first name (_surname_pairs), a street's
# name before a mask stays (_surname_before_mark), a lower-case first name after a mask goes (_first_name_after_mark);
# 4: a person right after a street's name with no house after it (_street_then_person_spans).
_NAME_RULES_REVISION = 4


def masks_version() -> str:
    """The pattern masks' fingerprint, kept in the database's `meta`: one masked by other patterns differs."""
    # The columns withheld as the applicant's too: a database that kept one they now name has it withheld.
    return hashlib.sha256(repr((MASKS, PERSONAL_HEADER.pattern, ADDRESS_HEADER.pattern, _LOWER_NAME.pattern, _LOWER_PATR,
                                _AFTER_SURNAME_WORD.pattern, sorted(_NOT_A_SURNAME),
                                _LOWER_AFTER_CUE.pattern, _CALLED_LOWER.pattern, _LOWER_NAME_PATR.pattern,
                                _LOWER_SURNAME_WORD.pattern, _LOWER_WORD_AFTER.pattern, _LOWER_WORD_BEFORE.pattern,
                                # the name rules remask_text applies to the texts _names_again finds
                                _CAPS_WORD.pattern, _LATIN_RUN.pattern, _TRANSLIT, _LATIN_HINT,
                                _LATIN_CAPS_RUN.pattern, _LATIN_LOWER_PAIR.pattern, _LATIN_SURNAME_SHAPE.pattern,
                                _LATIN_INITIALS.pattern, sorted(_SHORT_SURNAMES),
                                _NAMES_AGAIN.pattern, _PERSON_CUE.pattern, _CAP_WORD.pattern,
                                _STREET_NAMESAKES.pattern, _MARK_BRACKETED.pattern, _NAME_RULES_REVISION,
                                _STREET_PERSON.pattern, _STREET_THEN_PERSON.pattern, _FIRST_AFTER_MARK.pattern,
                                _ACTOR_CUE.pattern, _AFTER_FLAT_OR_TAG.pattern, _SURNAME_LIST.pattern, _LIST_CUE.pattern, _LIST_HINTS,
                                _CAPS_LONE.pattern, _LOWER_BEFORE.pattern, _WORD_BEFORE_MARK.pattern,
                                [p.pattern for _, p in _NAME_PATTERNS], _CHINESE_NAME, sorted(_NOT_INITIALS), sorted(_PLACE_PREPOSITIONS))).encode()
                          ).hexdigest()[:16]


def withhold_expr(expr: pl.Expr) -> pl.Expr:
    """A cell of a column about the applicant (Detection.withheld) as shown in rejects and the upload's preview:
    «[скрыто]», and an empty cell empty — «[скрыто]» there would say there was something."""
    text = expr.cast(pl.String)
    return pl.when(text.str.strip_chars() != "").then(pl.lit("[скрыто]")).otherwise(text)


def mask_flat_expr(expr: pl.Expr) -> pl.Expr:
    """An address with its flat number hidden («ул. Мира, 3, кв. [скрыто]»): the house stays for the map."""
    for pattern, repl in FLAT_MASKS:
        expr = expr.str.replace_all(pattern, repl)
    return expr


def mask(text: str | None) -> str | None:
    if text is None:
        return None
    return pl.select(mask_expr(pl.lit(text, dtype=pl.String))).item()


def salt() -> str:
    """$MCU_SALT, else data/salt.key (created with a random value on first use)."""
    env = os.environ.get("MCU_SALT")
    if env:
        return env
    path = Path(os.environ.get("MCU_SALT_FILE") or SALT_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def hash_fingerprint() -> str:
    """A mark of the salt in use, stored with the data: tells a changed salt without revealing it."""
    return hashlib.sha256(f"{salt()}\x1fmcu-salt-check".encode()).hexdigest()[:16]


def hash_expr(expr: pl.Expr, ignore: str | None = None) -> pl.Expr:
    """Salted SHA-256 of a normalised applicant identity; empty (or placeholder) identities → null."""
    key = expr.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"\s+", " ").str.strip_chars()
    key = pl.when(key == "").then(None).otherwise(key)
    if ignore:
        key = pl.when(key.str.contains(ignore)).then(None).otherwise(key)
    s = salt()
    return key.map_elements(lambda v: hashlib.sha256(f"{s}\x1f{v}".encode()).hexdigest()[:32], return_dtype=pl.String)


if __name__ == "__main__":
    # The second process of _mask_names_parallel: a JSON list of texts in, their masks out.
    import json
    import sys

    sys.stdout.buffer.write(json.dumps(mask_names(json.loads(sys.stdin.buffer.read())), ensure_ascii=False)
                            .encode("utf-8"))
