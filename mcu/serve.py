"""Start the app: `python -m mcu.serve [streamlit options]` is `streamlit run app.py` with a few fixes.

We navigate with st.navigation, and the layout keeps pages in a folder named `pages/`. Streamlit takes
such a folder for its legacy multipage mode until app.py has run once in the process, so a shared link
to a page (…/heatmap?period=month) opened first after a start would run that page without app.py and
its filters. Declaring the legacy mode off before the server starts makes every link work at once.

Before serving we also import everything the pages need (see `preload`), remove what a killed load or a
crashed server left on disk (`etl.build.remove_stale`, `mcu.uploads.remove_stale`), bring a database an
older version wrote up to this one (`etl.build.upgrade`), and listen on
127.0.0.1 unless $MCU_LISTEN names another address (there is no login yet).
"""
import ast
import importlib
import importlib.util
import os
import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from mcu.settings import ROOT, db_path

# Imported lazily by plotly, Streamlit and pydeck inside the first script runs: two sessions importing
# pandas at once in their own threads got "partially initialized module 'pandas'" (16 of 80 first loads).
LAZY_IMPORTS = ("numpy", "pandas", "pyarrow", "polars", "duckdb", "plotly", "plotly.graph_objects",
                "plotly.express", "plotly.io", "pydeck")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module (from os.path import join), not a submodule
        return False


def page_modules() -> list[str]:
    """The modules app.py and pages/*.py import at their top level (what a first page run would import)."""
    names = []
    for file in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                # `from mcu import charts` imports the module mcu.charts
                names += [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
    return list(dict.fromkeys(names))


def preload() -> list[str]:
    """Import, once and in this thread, every module the pages use, and let plotly serialise one figure
    (its JSON encoder imports pandas and numpy helpers on first use)."""
    names = list(dict.fromkeys([*LAZY_IMPORTS, *page_modules()]))
    for name in names:
        importlib.import_module(name)
    import plotly.graph_objects as go
    import plotly.io as pio

    pio.to_json(go.Figure(go.Bar(x=["а"], y=[1])), validate=True)
    return names


def listen_args(argv: list[str]) -> list[str]:
    """`--server.address`: $MCU_LISTEN, else 127.0.0.1, unless the command line gives one. Set here as
    well as in .streamlit/config.toml, which Streamlit reads only when started from the project folder."""
    if any(a == "--server.address" or a.startswith("--server.address=") for a in argv):
        return []
    return ["--server.address", os.environ.get("MCU_LISTEN", "").strip() or "127.0.0.1"]


def main() -> int:
    from etl.build import remove_stale, upgrade
    from mcu import uploads

    preload()
    remove_stale(db_path())      # temporary databases of loads killed while we were down
    try:
        if upgrade(db_path()):   # a database an older version wrote: its new columns filled once
            print(f"База {db_path()} обновлена до текущей версии.")
    except Exception as e:       # a full disk, a read-only folder: serve what there is, and say what to do
        print(f"ВНИМАНИЕ: базу {db_path()} не удалось обновить до текущей версии ({type(e).__name__}: {e}). "
              "Часть страниц может не открыться; освободите место на диске или загрузите любую выгрузку — "
              "загрузка обновит базу.", file=sys.stderr)
    uploads.remove_stale()       # uploads of a server that was killed mid-load
    PagesManager.uses_pages_directory = False
    args = sys.argv[1:]
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *listen_args(args), *args]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
