"""Sphinx extension: draw the book's charts offline, from one shared script bundle.

- writes `_static/ua-charts.js` once per vega-lite version: vega, vega-lite and
  vega-embed (from the installed vl-convert-python package, no network) plus the
  small drawing script `static/render-charts.js`, loaded as an ES module so its
  minified top-level names stay out of the theme's global scope;
- tells every kernel the build starts (through the environment) to emit figures
  as the book's HTML rather than through altair's CDN-based renderer;
- rewrites the figures' site-root placeholder to each page's relative root;
- copies `figures/` (SVG, PNG, CSV exports) into the site for download and as
  the static fallback for readers without JavaScript.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .figures import BOOK_BUILD_ENV, FIGURES_DIR, SITE_ROOT
from .icons import icon_css

STATIC = Path(__file__).parent / "static"
BUNDLE_NAME = "ua-charts.js"


def chart_bundle(vl_version: str) -> str:
    """The vega/vega-lite/vega-embed bundle with the book's drawing script appended."""
    import vl_convert

    snippet = (STATIC / "render-charts.js").read_text(encoding="utf-8")
    return vl_convert.javascript_bundle(snippet=snippet, vl_version=vl_version)


def _prepare_static(app, config) -> None:
    import altair as alt

    vl_version = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    cache = Path(app.outdir).parent / ".ua_static"
    cache.mkdir(parents=True, exist_ok=True)
    stamp = cache / "bundle.version"
    snippet_mtime = str((STATIC / "render-charts.js").stat().st_mtime_ns)
    wanted = f"{vl_version} {snippet_mtime}"
    if not (cache / BUNDLE_NAME).exists() or not stamp.exists() or stamp.read_text() != wanted:
        (cache / BUNDLE_NAME).write_text(chart_bundle(vl_version), encoding="utf-8")
        stamp.write_text(wanted)
    for name in ("ua-book.css", "ua-tables.js"):
        shutil.copy2(STATIC / name, cache / name)
    (cache / "ua-icons.css").write_text(icon_css(), encoding="utf-8")
    # Our static/webpack-macros.html (imported by the theme layout) leaves out the theme's 1.5 MB fontawesome.js (see templates/).
    templates = str(Path(__file__).parent / "templates")
    if templates not in config.templates_path:
        config.templates_path.insert(0, templates)
    # Added at config-inited, before Sphinx compares configs, so a no-op rebuild stays a no-op.
    if str(cache) not in config.html_static_path:
        config.html_static_path.append(str(cache))


# What chapter outputs depend on besides their own text: myst-nb's execution cache only
# notices a changed notebook, so a changed data file or helper would leave stale figures.
CACHE_INPUTS = ("data/**/*.csv", "data/**/*.json", "data/**/*.geojson", "unlikely_alliances/**/*.py",
                "chapters/figures/*.yml", "references*.bib", "figures/manifest.json")


def inputs_digest(root: Path) -> str:
    """A hash of every file the chapters read, to key the execution cache on."""
    import hashlib

    digest = hashlib.sha256()
    for pattern in CACHE_INPUTS:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _execution_cache(app, config) -> None:
    # One cache folder per state of the inputs: unchanged inputs reuse it (a no-op rebuild
    # executes nothing); changed inputs start a fresh one, so every chapter runs again.
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / inputs_digest(Path(app.srcdir))
    if caches.is_dir():
        for old in caches.iterdir():
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
    config.nb_execution_cache_path = str(current)


def _theme_defaults(app, config) -> None:
    # pydata-sphinx-theme reads `default_mode` from the template context; left empty, every page
    # logs "Got invalid theme mode". "auto" follows the reader's light/dark preference.
    config.html_context.setdefault("default_mode", "auto")


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    # Jupyter Book 1 always loads sphinx-thebe, which declares its config script twice (a console
    # error on every page) and would fetch thebe from a CDN. The book does not offer live code in
    # the page (Binder launch buttons instead), so its scripts and styles are left out.
    def keep(asset) -> bool:
        text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" not in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if keep(asset)]


def _fix_body(app, pagename, templatename, context, doctree) -> None:
    if "body" not in context:
        return
    # docutils marks bibliography entries role="doc-biblioentry" inside role="list": axe-core
    # (rightly) wants list items there, a critical finding on the references page.
    context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')
    if SITE_ROOT in context["body"]:
        root = context["pathto"]("", 1)
        root = "" if root in ("", ".") else root.rstrip("/") + "/"
        context["body"] = context["body"].replace(SITE_ROOT, root)


def _unique_exercise_ids(app, doctree, docname) -> None:
    # sphinx-exercise gives every exercise and solution body the same id, so a page with two
    # exercises repeats an id (invalid HTML, and ambiguous for assistive technology).
    from docutils import nodes

    counts: dict[str, int] = {}
    for section in doctree.findall(nodes.section):
        for shared in ("exercise-content", "solution-content"):
            if shared in section["ids"]:
                counts[shared] = counts.get(shared, 0) + 1
                section["ids"] = [f"{shared}-{counts[shared]}" if i == shared else i for i in section["ids"]]


def _copy_figures(app, exception) -> None:
    if exception is None and app.builder.format == "html" and FIGURES_DIR.is_dir():
        target = Path(app.outdir) / "figures"
        shutil.copytree(FIGURES_DIR, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.vl.json", "*.yml", "manifest.json"))


def setup(app):
    # Kernels started by myst-nb inherit this process's environment.
    os.environ[BOOK_BUILD_ENV] = "1"
    app.connect("config-inited", _prepare_static)
    app.connect("config-inited", _theme_defaults)
    app.connect("config-inited", _execution_cache)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _fix_body)
    app.connect("doctree-resolved", _unique_exercise_ids)
    app.connect("build-finished", _copy_figures)
    app.add_js_file(BUNDLE_NAME, type="module")
    app.add_js_file("ua-tables.js", defer="defer")
    app.add_css_file("ua-icons.css")
    app.add_css_file("ua-book.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
