"""Names a person reads in place of the codes the data keeps: a source profile's title, a channel's name."""
from functools import cache

from core.reference import read_reference


@cache
def _profile_titles() -> dict[str, str]:
    from etl.profile import builtin_profiles

    return {p.name: p.title for p in builtin_profiles()}


def profile_title(name: str | None) -> str | None:
    """A shipped profile's title («Инцидент Менеджмент (ЦУР)» for `im`, from etl/profiles/*.toml); a profile of the
    user's own, which only the load saw, keeps its name."""
    return _profile_titles().get(name, name)


def channel_name(source: str | None) -> str | None:
    """A channel's name from the reference («Инцидент Менеджмент» for `im`), the code itself when it has none."""
    names = dict(read_reference("sources").select("source", "label").iter_rows())
    return names.get(source, source)
