"""Kept for the pages that import it: the Russian formats live in core/fmt.py (the ETL's messages use them too);
`quoted`, for the texts of pages, slides and the note, lives here."""
import re

from core.fmt import *  # noqa: F401,F403 — every name, so one added there is found here as well

_INNER = re.compile(r"«([^«»]*)»")


def quoted(name) -> str:
    """A name put in quotes in a text: «ЖКХ»; the name's own «…» become „…“, the Russian quote within a quote
    («МУП „Аскизское ЖКХ“», not «МУП «Аскизское ЖКХ»»)."""
    return "«" + _INNER.sub("„\\1“", str(name)) + "»"
