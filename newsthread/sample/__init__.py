"""The demo sample bundled in the package: invented articles in the tgnews contest HTML format.

`articles/YYYYMMDD/HH/<id>.html`; README.md beside this file lists the events (the expected threads),
the pages that are not news and the articles in other languages.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_dir() -> Path:
    """Directory holding the sample's article tree (`<dir>/YYYYMMDD/HH/*.html`).

    The package is installed as plain files (setuptools package-data), so the resource is a real path.
    """
    return Path(str(files(__name__) / "articles"))
