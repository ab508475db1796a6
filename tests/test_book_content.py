"""What a teacher relies on: complete citations, and chapters that teach."""
import re

import pytest

from unlikely_alliances import load
from unlikely_alliances.data import REPO_ROOT, bibliography_keys, split_source_ids
from unlikely_alliances.figures import registry

CHAPTERS = sorted((REPO_ROOT / "chapters").glob("0[1-6]-*.md"))


def test_every_article_note_is_accounted_for_and_its_works_are_in_the_bibliography():
    notes = load("article_notes")
    assert sorted(notes["note"]) == list(range(1, 52)), "the article has 51 notes, each listed once"
    keys = bibliography_keys()
    for note in notes.itertuples():
        cited = split_source_ids(note.bib_keys)
        if note.kind == "cites":
            assert cited, f"note {note.note} cites a work but maps to no bibliography key"
        assert set(cited) <= keys, f"note {note.note}: unknown keys {set(cited) - keys}"


def test_the_article_itself_is_cited_with_its_doi():
    from pybtex.database import parse_file

    entry = parse_file(str(REPO_ROOT / "references.bib")).entries["souleimanov2024"]
    assert entry.fields["doi"] == "10.1111/mepo.12741"
    assert "10.1111/mepo.12741" in (REPO_ROOT / "index.md").read_text(encoding="utf-8")


def test_six_chapters_mirror_the_article():
    assert [c.stem for c in CHAPTERS] == ["01-introduction", "02-turkey-azerbaijan", "03-iran-armenia",
                                         "04-israel-axis", "05-postwar-shifts", "06-conclusion"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_chapter_teaches(chapter):
    text = chapter.read_text(encoding="utf-8")
    assert "## Learning objectives" in text
    assert "## Claims and evidence" in text and "claims_box(" in text
    questions = text.split("## Discussion questions", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d+\.\s", questions, re.M)) >= 3, "at least three discussion questions"
    exercises = re.findall(r"```\{exercise\}", text)
    assert exercises, "at least one exercise"
    labels = re.findall(r"^:label: (ex-[\w-]+)", text, re.M)
    for label in labels:
        assert re.search(rf"```\{{solution-start\}} {label}\n:class: dropdown", text), f"{label} lacks a hidden solution"
    assert re.search(r"```\{code-cell\}", text.split("## Exercises", 1)[1]), "a solution that changes code"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_chapter_has_registered_figures(chapter):
    key = chapter.stem.split("-", 1)[1]
    ids = [fig_id for fig_id, info in registry().items() if info.chapter == key]
    assert ids, f"{chapter.name} registers no figure in chapters/figures/{key}.yml"
    text = chapter.read_text(encoding="utf-8")
    for fig_id in ids:
        assert f'"{fig_id}"' in text, f"{fig_id} is registered but {chapter.name} never draws it"


def test_every_figure_has_caption_alt_text_and_known_sources():
    keys = bibliography_keys()
    for fig_id, info in registry().items():
        assert len(info.caption) > 40, f"{fig_id}: caption too thin"
        assert len(info.alt) > 40 and not info.alt.lower().startswith(("a chart", "chart", "figure")), fig_id
        assert set(info.sources) <= keys, f"{fig_id}: unknown sources {set(info.sources) - keys}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_contested_places_are_named_in_both_forms_on_first_use(chapter):
    """The first mention in each chapter's prose gives both forms (e.g. Stepanakert/Khankendi)."""
    places = load("places")
    contested = places[places["note"].fillna("").str.startswith("Contested name")]
    prose = re.sub(r"```\{code-cell\}.*?```", "", chapter.read_text(encoding="utf-8"), flags=re.S)
    prose = re.sub(r"Shusha\s+Declaration", "", prose)  # a treaty's name, not a mention of the town
    for place in contested.itertuples():
        mentions = [m.start() for name in (place.name, place.name_alt)
                    for m in re.finditer(rf"\b{re.escape(name)}\b", prose)]
        if mentions:
            first = prose[max(0, min(mentions) - 60):min(mentions) + 80]
            assert place.name in first and place.name_alt in first, (
                f"{chapter.name}: first mention of {place.name}/{place.name_alt} gives one form: {first!r}")
