"""Charts show the data files' figures, unchanged: no invented, merged or apportioned numbers."""
import pandas as pd
import pytest

from unlikely_alliances import charts, load


def drawn_data(chart) -> pd.DataFrame:
    """The frame a (possibly layered) chart draws: altair keeps it on the chart or its first layer."""
    while not isinstance(chart.data, pd.DataFrame):
        chart = (chart.layer if hasattr(chart, "layer") else chart.hconcat)[0]
    return chart.data


def test_reported_shares_of_one_window_never_exceed_100_percent():
    shares = load("arms_supplier_shares")
    totals = shares.groupby(["recipient", "period_start", "period_end", "source_id"])["share_pct"].sum()
    assert (totals <= 100).all(), totals[totals > 100]


def test_supplier_share_chart_draws_every_reported_figure_and_no_other():
    shares = load("arms_supplier_shares")
    chart = charts.supplier_shares(shares, "Azerbaijan")
    drawn = drawn_data(chart)
    five_year = shares[(shares["recipient"] == "Azerbaijan") & (shares["period_end"] - shares["period_start"] == 4)]
    expected = set(zip(five_year["supplier"], five_year["share_pct"]))
    assert set(zip(drawn["supplier"], drawn["share_pct"])) == expected
    # Reports that disagree stay apart: 2016-20 has two different figures for Israel.
    israel = drawn[(drawn["supplier"] == "Israel") & (drawn["period"] == "2016–2020")]
    assert len(israel) == israel["share_pct"].nunique() >= 2


def test_delivery_timeline_keeps_each_deal_whole():
    register = load("arms_register")
    chart = charts.deliveries_timeline(register, "Azerbaijan", ["Türkiye"])
    drawn = chart.data
    chosen = register[(register["recipient"] == "Azerbaijan") & (register["supplier"] == "Türkiye")
                      & register["first_delivery_year"].notna() & (register["first_delivery_year"] >= 2000)]
    assert sorted(drawn["deal_id"]) == sorted(chosen["deal_id"])
    assert drawn["tiv_delivered"].sum() == pytest.approx(chosen["tiv_delivered"].sum())


def test_orders_by_year_are_sums_of_whole_orders():
    register = load("arms_register")
    drawn = charts.orders_by_year(register, "Armenia").data
    since = register[(register["recipient"] == "Armenia") & (register["order_year"] >= 2010)]
    assert drawn["tiv_total_order"].sum() == pytest.approx(since["tiv_total_order"].sum())


def test_estimate_chart_keeps_the_article_claim_beside_the_others():
    estimates = load("oil_israel_estimates")
    metric = "share_of_israel_oil_consumption_from_azerbaijan"
    drawn = drawn_data(charts.estimate_ranges(estimates, [metric], "Percent"))
    article = drawn[drawn["is_article_claim"]]
    assert len(article) == 1 and article["low"].iloc[0] == 40


def test_spending_chart_refuses_to_mix_sources():
    milex = load("military_expenditure")
    with pytest.raises(ValueError, match="choose one with source_id"):
        charts.military_spending(milex, ("Armenia", "Azerbaijan"), "share_of_gdp_pct", years=(2000, 2017))
    drawn = charts.military_spending(milex, ("Armenia", "Azerbaijan"), source_id="owid-sipri-milex-gdp-2025").data
    assert set(drawn["source_id"]) == {"owid-sipri-milex-gdp-2025"}


def test_alignment_network_draws_only_the_requested_relations():
    edges = load("alignments")
    chart = charts.alignment_network(edges, (2024,), relations=["hostile"])
    drawn = drawn_data(chart)
    assert set(drawn["relation"]) == {"hostile"}
    assert len(drawn) == len(edges[(edges["snapshot"] == 2024) & (edges["relation"] == "hostile")])


def test_timeline_keeps_only_the_window_and_kinds_asked_for():
    events = load("events")
    drawn = charts.event_timeline(events, "2020-09-01", "2020-12-31", categories=["war", "ceasefire"]).data
    assert not drawn.empty and set(drawn["category"]) <= {"war", "ceasefire"}
    assert pd.Series(drawn["date"]).between("2020-09-01", "2020-12-31").all()
