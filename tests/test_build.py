"""The build is strict: a broken reference, an unknown citation or a failing cell stops it."""
import shutil

import pytest

from conftest import REPO, jupyter_book_build

PAGE_HEADER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# A page
"""


@pytest.fixture
def tiny_book(tmp_path):
    """A one-page book with the repository's configuration and bibliography."""
    for name in ["_config.yml", "_static", *[p.name for p in REPO.glob("references*.bib")]]:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")

    def write(body: str):
        (tmp_path / "index.md").write_text(PAGE_HEADER + body, encoding="utf-8")
        return tmp_path

    return write


def test_a_clean_page_builds(tiny_book):
    body = "Text citing {cite:t}`souleimanov2024`.\n\n```{code-cell} ipython3\n1 + 1\n```\n\n```{bibliography}\n```\n"
    result = jupyter_book_build(tiny_book(body))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("See {ref}`a-label-that-does-not-exist`.\n", "a-label-that-does-not-exist"),
        ("As {cite:t}`no-such-key-2099` argues.\n", "no-such-key-2099"),
        ("```{code-cell} ipython3\nraise ValueError('a cell that fails')\n```\n", "a cell that fails"),
    ],
    ids=["broken-reference", "unknown-citation", "failing-cell"],
)
def test_strict_build_stops_on(tiny_book, body, expected):
    result = jupyter_book_build(tiny_book(body))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert expected in output, output[-3000:]
