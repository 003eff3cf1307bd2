"""The "mentions" link kind: a countries run joined to a probe-rm run (issue #16)."""

from __future__ import annotations

import json
import math

import pytest

from auditkit.report.countries_link import join_countries_probe
from tests.conftest import require_shared


def _countries_summary(shares: dict[str, int], ratios: dict[str, tuple[int, int]] | None = None):
    total = sum(shares.values())
    rows = [
        {"iso3": k, "name": k, "mentions": n, "share": n / total}
        for k, n in sorted(shares.items(), key=lambda kv: -kv[1])
    ]
    s = {"kind": "countries", "corpus": "toy", "countries": rows, "mentions_total": total}
    if ratios:
        s["preference"] = {
            "chosen_vs_rejected": [
                {"iso3": k, "ratio": c / r if r else None, "ci_low": 0.1, "ci_high": 9.0}
                for k, (c, r) in ratios.items()
            ]
        }
    return s


def _probe_summary(order: list[str]):
    return {
        "kind": "probe-rm",
        "model": "toy-rm",
        "countries": [
            {"country": name, "iso3": None, "mean_rank": float(i + 1), "rank": float(i + 1)}
            for i, name in enumerate(order)
        ],
    }


def test_join_by_code_correlation_and_rarely_named_and_ranked_low():
    # the probe names countries as the study spells them; the join goes through the one table
    order = ["United States of America", "Germany", "France", "Japan", "Brazil", "India"]
    order += ["Nigeria", "Republic of Congo", "Chad"]
    shares = {"USA": 50, "DEU": 20, "FRA": 15, "JPN": 10, "BRA": 8, "IND": 5, "NGA": 2}
    link = join_countries_probe(
        _countries_summary(shares, {"USA": (10, 5)}), _probe_summary(order), n_boot=200
    )
    rows = {r["iso3"]: r for r in link["rows"]}
    assert set(rows) == {"USA", "DEU", "FRA", "JPN", "BRA", "IND", "NGA", "COG", "TCD"}
    assert rows["COG"]["mentions"] == 0 and rows["COG"]["mention_share"] == 0.0
    assert (
        rows["USA"]["chosen_rejected_ratio"] == 2.0 and rows["DEU"]["chosen_rejected_ratio"] is None
    )
    c = link["spearman"]
    # more mentions <-> better (smaller) mean rank: a perfect negative rank correlation
    assert c["n"] == 9 and c["rho"] == pytest.approx(-1.0, abs=0.05)
    assert c["ci_low"] <= c["rho"] <= c["ci_high"]
    assert link["rarely_mentioned_and_ranked_low"] == ["Chad", "Republic of Congo", "Nigeria"]


def test_undefined_correlation_is_null_not_nan():
    link = join_countries_probe(_countries_summary({"USA": 1}), _probe_summary(["Germany"]))
    assert link["spearman"]["rho"] is None and link["spearman"]["n"] == 1
    assert json.dumps(link)  # no NaN in the links.json the report writes


@pytest.fixture(scope="module")
def hh_and_starling(tmp_path_factory):
    from auditkit.countries.mentions_run import run_countries
    from auditkit.probes.api import probe_rm

    root = tmp_path_factory.mktemp("mentions")
    hh = require_shared("preference", "hh_rlhf_harmless_base_test.jsonl")
    scores = require_shared(
        "global_representation", "askreddit_scores", "starling-rm-7b-alpha-reformatted.csv"
    )
    run_countries(str(hh), root / "hh", workers=2, languages="en")
    probe_rm(scores=[str(scores)], out=root / "starling", n_resamples=100)
    return root


def test_report_links_a_countries_run_to_the_released_starling_scores(hh_and_starling, capsys):
    from auditkit.report.api import report

    root = hh_and_starling
    runs = [root / "hh", root / "starling"]
    plain = report(runs)
    assert plain.links.get("mentions") == []  # a link exists only where declared
    data = report(runs, out=root / "rep", links=["hh=starling"])
    (link,) = data.links["mentions"]
    assert link["data_link"] == "hh→starling" and link["declared_by"].startswith("--link")
    assert len(link["rows"]) == 181 and link["spearman"]["n"] == 181
    c = link["spearman"]
    assert -1 <= c["ci_low"] <= c["rho"] <= c["ci_high"] <= 1 and 0 <= c["p"] <= 1
    usa = next(r for r in link["rows"] if r["iso3"] == "USA")
    assert usa["mentions"] > 100 and usa["chosen_rejected_ratio"] is not None
    low = link["rarely_mentioned_and_ranked_low"]
    assert low and all(
        next(r for r in link["rows"] if r["country"] == name)["mention_share"] < 0.01
        for name in low
    )
    html = (root / "rep" / "report.html").read_text("utf-8")
    assert "data-link='hh→starling'" in html
    assert "mentions-share-0" in html and "mentions-rank-0" in html  # the two maps
    findings = html[html.index("id='findings'") : html.index("</section>")]
    assert "rarely names" in findings and "Spearman ρ(mention share, mean rank)" in findings
    saved = json.loads((root / "rep" / "links.json").read_text("utf-8"))
    assert saved["mentions"][0]["spearman"]["n"] == 181
    assert not any(
        isinstance(v, float) and math.isnan(v) for v in saved["mentions"][0]["spearman"].values()
    )
    from auditkit.report.terminal import print_report

    print_report(data)
    out = capsys.readouterr().out
    assert "mentions:" in out and "rarely named and ranked low" in out


def test_corpus_names_are_escaped_in_the_link_block(tmp_path):
    from auditkit.report.countries_link import render_mention_links

    link = join_countries_probe(
        _countries_summary({"USA": 3, "DEU": 1, "FRA": 1, "JPN": 1}),
        _probe_summary(["Germany", "France", "Japan", "United States of America", "Chad"]),
        n_boot=50,
    )
    link.update(corpus="<script>x</script>", rm="rm&co", data_link="a'b", declared_by="--link")
    html = render_mention_links([link])
    assert "<script>x" not in html and "&lt;script&gt;" in html and "rm&amp;co" in html
    assert "data-link='a'b'" not in html
