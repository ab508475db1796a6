"""One chart theme and one colour per state, used by every chart and map.

Colours are the Okabe-Ito palette (safe for the common forms of colour blindness).
Each state keeps its colour in every figure; suppliers and others not listed here are
drawn in greys and always carry a text label, so colour is never the only carrier of meaning.
"""
import altair as alt

STATE_COLORS = {
    "Armenia": "#E69F00",
    "Azerbaijan": "#0072B2",
    "Georgia": "#CC79A7",
    "Iran": "#009E73",
    "Türkiye": "#D55E00",
    "Russia": "#56B4E9",
    "Israel": "#F0E442",
}
OTHER_COLOR = "#8C8C8C"
# Extra suppliers of arms that the charts name; greys and dark tones distinct from the states.
SUPPLIER_COLORS = {
    **STATE_COLORS,
    "France": "#3D3D3D",
    "India": "#B3B3B3",
    "Belarus": "#6B4E16",
    "Ukraine": "#1F4E79",
    "Other": OTHER_COLOR,
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"  # no web font
TEXT_COLOR = "#1a1a1a"
WIDTH, HEIGHT = 560, 315  # 16:9; fits the page column, and a slide at 1280x720 when exported at scale 2


def state_scale(states, palette=SUPPLIER_COLORS):
    """A colour scale that gives each named state or supplier its fixed colour."""
    states = list(dict.fromkeys(states))
    return alt.Scale(domain=states, range=[palette.get(s, OTHER_COLOR) for s in states])


@alt.theme.register("unlikely_alliances", enable=True)
def book_theme():
    """Opaque white background (figures stay legible in dark mode) and system fonts."""
    return alt.theme.ThemeConfig(
        config={
            "background": "white",
            "font": FONT,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "title": {"anchor": "start", "fontSize": 16, "color": TEXT_COLOR, "subtitleColor": "#404040"},
            "axis": {"labelColor": TEXT_COLOR, "titleColor": TEXT_COLOR, "labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelColor": TEXT_COLOR, "titleColor": TEXT_COLOR, "labelFontSize": 12},
            # Map shapes are backdrop: without this, each geoshape layer is an unnamed ARIA image
            # (axe: svg-img-alt). The figure's alt text and data table describe the map instead.
            "geoshape": {"aria": False},
        }
    )
