"""Money in the client's currency and number format: the PDF's HTML, the CLI and the JSON (which carries the code)."""

from __future__ import annotations

import json
import shutil

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.config.engagement import Client, load_engagement
from fixfirst.errors import FixfirstError
from fixfirst.pipeline import run_audit
from fixfirst.present import Formatter, formatter_for
from fixfirst.report import render_html


@pytest.mark.parametrize("fields, code, locale", [
    ({}, "GBP", "en_GB"),
    ({"country": "GB"}, "GBP", "en_GB"),
    ({"country": "BR"}, "BRL", "en_GB"),  # babel has no en_BR: English as written in Britain
    ({"country": "US"}, "USD", "en_US"),
    ({"country": "DE"}, "EUR", "en_DE"),
    ({"country": "BR", "currency": "brl", "number_format": "pt-BR"}, "BRL", "pt_BR"),
    ({"country": "GB", "currency": "USD"}, "USD", "en_GB"),
])
def test_the_currency_defaults_from_the_country(fields, code, locale):
    client = Client(name="Shop", **fields)
    assert (client.currency_code, client.locale) == (code, locale)


@pytest.mark.parametrize("fields", [{"currency": "XXQ"}, {"currency": "pounds"}, {"number_format": "xx_YY_ZZ"}])
def test_an_unknown_currency_or_format_is_refused(fields):
    with pytest.raises(ValueError):
        Client(name="Shop", **fields)


def test_the_formatter_writes_each_currency_its_own_way():
    assert Formatter("GBP", "en_GB").money(10852.07) == "£10,852"
    assert Formatter("BRL", "pt_BR").money(10852.07).replace("\xa0", " ") == "R$ 10.852"
    assert Formatter("EUR", "de_DE").money(10852.07).replace("\xa0", " ") == "10.852 €"
    assert Formatter("USD", "en_US").money(-3.4) == "-$3"
    assert Formatter("BRL", "pt_BR").percent(0.0412, 1) == "4,1%"
    assert Formatter().days(1) == "1 working day" and Formatter().days(3) == "3 working days"
    assert Formatter().money(None) == Formatter().money(float("nan")) == "–"


@pytest.fixture(scope="module")
def brl_engagement(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("brl") / "eng"
    shutil.copytree(sample_dir, folder)
    audit = (folder / "audit.yaml").read_text().replace("  country: GB\n", "  country: GB\n  currency: BRL\n  number_format: pt_BR\n")
    (folder / "audit.yaml").write_text(audit)
    return folder


def test_a_brl_engagement_shows_reais_everywhere(brl_engagement):
    result = run_audit(brl_engagement)
    html = render_html(result)
    text = HTMLParser(html).body.text()
    assert "£" not in text  # not one pound sign anywhere in the report
    fmt = formatter_for(result.engagement.audit.client)
    assert fmt.money(result.decision.money_at_stake_per_month) in text and "R$" in text
    first = result.ranking.weak_spots[0]
    assert fmt.money(first.money_at_stake) in HTMLParser(html).css_first("#ranking").text()

    cli = CliRunner()
    scored = cli.invoke(app, ["score", str(brl_engagement), "--json"])
    assert scored.exit_code == 0 and json.loads(scored.stdout)["currency"] == "BRL"
    table = cli.invoke(app, ["score", str(brl_engagement)], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "R$" in table.output and "£" not in table.output


def test_a_bad_currency_in_audit_yaml_is_a_located_error(tmp_path, sample_dir):
    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("  country: GB\n", "  country: GB\n  currency: pounds\n"))
    with pytest.raises(FixfirstError) as caught:
        load_engagement(folder)
    assert "currency" in str(caught.value) and "ISO 4217" in str(caught.value)
