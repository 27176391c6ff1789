"""Personal data at load (152-ФЗ; 59-ФЗ ст. 6): free text masked, the applicant kept only as a salted hash.

The salt lives outside the database ($MCU_SALT or data/salt.key, created on first use and never committed),
so the hashes in a copied database cannot be matched against a list of names.
"""
import hashlib
import os
import secrets
from pathlib import Path

import polars as pl

from mcu.settings import ROOT

SALT_FILE = ROOT / "data" / "salt.key"

# (pattern, replacement) in order; Rust regex syntax (no look-around), applied to whole columns.
_NAME = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
MASKS = [
    # VK mentions: a person → placeholder; a community keeps its (organisation) name.
    (r"\[id\d+\|[^\]]*\]", "[пользователь]"),
    (r"\[(?:club|public)\d+\|([^\]]*)\]", "$1"),
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-zА-Яа-я]{2,}", "[email]"),
    (r"(?i)(?:https?://)?(?:www\.|m\.)?(?:vk\.com|vk\.ru|ok\.ru|t\.me|telegram\.me|web\.telegram\.org|"
     r"facebook\.com|fb\.com|instagram\.com|dzen\.ru|max\.ru)/\S*", "[ссылка]"),
    (r"(^|[\s(,])@[A-Za-z0-9_.]{3,}", "${1}[пользователь]"),
    (r"(?:\+7|\b8|\b7)[\s(‐-]*\d{3}[\s)‐-]*\d{3}[\s‐-]*\d{2}[\s‐-]*\d{2}\b", "[телефон]"),
    (r"\b\d{2,3}-\d{2}-\d{2}\b", "[телефон]"),
    # Фамилия Имя Отчество / Имя Отчество (a patronymic ending makes it a name, not a street).
    (rf"(?:{_NAME}\s+)?{_NAME}\s+[А-ЯЁ][а-яё]+(?:ович|евич|ьич|овна|евна|ична|инична)\b", "[ФИО]"),
    (rf"\b{_NAME}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.", "[ФИО]"),
    (rf"\b[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?{_NAME}", "[ФИО]"),
    # A reply opening with the author's name: «Имя Фамилия, здравствуйте!».
    (rf"^(?:\[пользователь\]|{_NAME}(?:\s+{_NAME}){{0,2}}),\s*(?i:(здравствуй|добр|доброе|доброго|приветств|уважаем))",
     "[ФИО], $1"),
]


def mask_expr(expr: pl.Expr) -> pl.Expr:
    """Free text with ФИО, phones, e-mails, profile links and @handles replaced by placeholders."""
    for pattern, repl in MASKS:
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
