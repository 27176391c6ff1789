"""Start the app: `python -m mcu.serve [streamlit options]` is `streamlit run app.py` with one fix.

We navigate with st.navigation, and the layout keeps pages in a folder named `pages/`. Streamlit takes
such a folder for its legacy multipage mode until app.py has run once in the process, so a shared link
to a page (…/heatmap?period=month) opened first after a start would run that page without app.py and
its filters. Declaring the legacy mode off before the server starts makes every link work at once.
"""
import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from mcu.settings import ROOT


def main() -> int:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
