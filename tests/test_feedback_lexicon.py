"""Feedback lexicons: loading, extending and replacing, located errors, negation, topics, accents, agreement figures."""

from __future__ import annotations

import json

import re
import textwrap
import unicodedata

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.config.engagement import Promise, load_engagement
from fixfirst.errors import FixfirstError, InputProblems
from fixfirst.journey import load_journey
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.pipeline import run_audit
from fixfirst.config.settings import Feedback, Settings
from fixfirst.signals import feedback as feedback_module
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.feedback import feedback_signals, tag_feedback, tone, tones, touchpoint_phrases
from fixfirst.signals.feedback_agreement import binary_agreement, macro_average, tag_agreement
from fixfirst.config.lexicons import default_lexicon, fold, fold_texts, known_topics, load_lexicon, shipped_languages

from .conftest import write_tiny_engagement


def ctx_with(**feedback) -> SignalContext:
    promise = Promise(description="Delivered within 2 working days", business_days=2)
    return SignalContext(Settings.model_validate({"feedback": feedback}), promise, WorkingCalendar.from_promise(promise))


def journey(*touchpoints: dict):
    return journey_from_spec(JourneySpec.model_validate({"stages": ["all"], "touchpoints": [{"stage": "all", **tp} for tp in touchpoints]}))


def client_lexicon(tmp_path, text: str, **feedback):
    (tmp_path / "lexicon.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_lexicon(Feedback(lexicon="lexicon.yaml", **feedback), tmp_path)


def problems_of(caught) -> list:
    return caught.value.problems


# ---------------------------------------------------------------- shipped lexicons


def test_shipped_lexicons_load_and_share_one_set_of_topics():
    assert {"en", "pt"} <= set(shipped_languages())
    english = default_lexicon("en")
    assert {"late", "never arrived", "disappoint"} <= english.negative and {"love", "thank"} <= english.positive
    assert {"not", "no", "never"} <= english.negators and "-n't" in english.negators  # "no" survives YAML's false
    assert {"delivery", "checkout", "payment", "stock", "returns", "customer_service", "booking"} <= set(english.topics)
    for language in shipped_languages():
        assert set(default_lexicon(language).topics) == known_topics(), language
        assert all(default_lexicon(language).topics.values()), f"{language}: a topic without phrases"


@pytest.mark.parametrize("language", ["en", "pt"])
def test_every_shipped_neutral_entry_shields_a_cue(language):
    # A neutral entry exists to hide a cue inside a longer word or phrase; one that hides none does nothing.
    lexicon = default_lexicon(language)
    cues = lexicon.negative | lexicon.positive
    for entry in lexicon.neutral:
        assert any(re.search(rf"\b{re.escape(cue)}", entry) and entry != cue for cue in cues), entry


def test_default_lexicon_for_an_unshipped_language_is_a_clear_error():
    with pytest.raises(FixfirstError, match="no default feedback lexicon for language 'de'") as caught:
        default_lexicon("de")
    assert "extends: false" in caught.value.fix


# ---------------------------------------------------------------- tone: cues, negation, intensifiers, neutral words


@pytest.mark.parametrize("text, expected", [
    ("Not happy at all", -1),                       # a negated positive cue is negative
    ("Not bad, really", 0),                         # a negated negative cue is no complaint (and no praise)
    ("No problem at all, thanks", 1),
    ("Never late, always friendly", 1),             # the comma ends the negation before "friendly"
    ("No, it was late", -1),                        # negation does not cross punctuation
    ("It wasn't good", -1),                         # -n't is a word ending
    ("It wasn’t good", -1),                         # curly apostrophes are straightened
    ("didnt like it, not great", -1),
    ("not at all happy", -1),                       # the negator is 3 words before the cue
    ("not really at all happy", 1),                 # 4 words before: out of the window
    ("never arrived and no reply", -2),             # phrases holding a negator are cues of their own
    ("Very late again", -2),                        # an intensifier doubles the cue after it
    ("not very good", -2),
    ("The goods arrived, see you later", 0),        # neutral words shield the cues they start with
    ("Lovely chocolate", 1),                        # "late" only at a word start
    ("", 0),
])
def test_tone_follows_the_documented_rules(text, expected):
    assert tone(text) == expected


def test_negation_window_and_intensifier_weight_are_settings():
    assert tone("not really at all happy", rules=Feedback(negation_window=4)) == -1
    assert tone("not happy", rules=Feedback(negation_window=0)) == 1
    assert tone("very late", rules=Feedback(intensifier_weight=1)) == -1
    assert tone("very late", rules=Feedback(intensifier_weight=3, negation_window=0)) == -3


def test_the_old_cue_counts_still_hold():
    assert tone("Loved the chocolate") == 1
    assert tone("Late, broken and the courier was rude") == -3
    assert tone("Great service, thank you") == 2


def reference_tone(text: str, rules: Feedback) -> int:
    """Every cue judged by the slow rule, with no shortcut: what `tones` must equal."""
    lexicon, total, previous_end = default_lexicon(rules.language), 0, 0
    for match in lexicon.cue_pattern.finditer(fold(text)):
        sign = lexicon.polarity[match.group(1)]
        if sign:
            total += feedback_module._modified(sign, fold(text)[previous_end:match.start()], lexicon, rules.negation_window,
                                               rules.intensifier_weight)
        previous_end = match.end()
    return total


def test_shortcuts_in_scoring_change_no_tone():
    rng = np.random.default_rng(7)
    vocabulary = ["not", "no", "never", "very", "so", "don't", "isn’t", "late", "later", "good", "goods", "happy", "bad",
                  "never arrived", "no reply", "thank", "Déçu", "é", "😀", ",", ".", "!", "the", "courier", "a", "x" * 90,
                  "café", "straße", "\n", "  ", "chocolate", "nothing", "notable"]
    texts = [" ".join(rng.choice(vocabulary, size=rng.integers(0, 40))) for _ in range(400)]
    rules = Feedback()
    lexicon = default_lexicon()
    folded = fold_texts(texts)
    prefilter = pd.Series(folded.to_pylist()).str.contains(lexicon.cue_prefilter, regex=True).to_numpy()
    fast = tones(folded.to_pylist(), lexicon, rules, prefilter)
    assert fast.tolist() == [reference_tone(t, rules) for t in texts]
    assert (fast != 0).sum() > 100


# ---------------------------------------------------------------- accents and other languages


def test_accents_are_folded_on_both_sides():
    assert fold("NÃO  chegou\tainda") == "nao chegou ainda"
    portuguese = Feedback(language="pt")
    assert tone("Péssimo, não recomendo", rules=portuguese) == -2
    assert tone("pessimo, nao recomendo", rules=portuguese) == -2  # typed without accents
    assert tone("Chegou antes do prazo, adorei!", rules=portuguese) == 2
    assert tone("bom dia, falta uma peça", rules=portuguese) == -1  # a greeting is neutral


def test_entries_and_texts_are_folded_alike():
    # Entries are folded in Python, texts by pyarrow: a character folded differently would make an entry unmatchable.
    chars = [chr(i) for i in range(32, 0x30000, 7) if unicodedata.category(chr(i)) not in ("Cs", "Cn", "Co")]
    texts = [f"A{c}b’ c\u00a0 d\n" for c in chars] + ["Ĩstanbul ﬁne DON´T", "ß ǅ Ⅻ ①", "a\x85b\u2028c\u1680d`e"]
    assert fold_texts(texts).to_pylist() == [fold(t) for t in texts]


def test_portuguese_topics_tag_text_with_or_without_accents():
    j = journey({"id": "delivery", "name": "Entrega", "data": {"topics": ["delivery", "delay"]}},
                {"id": "returns", "name": "Trocas", "data": {"topics": ["returns"]}})
    texts = ["A entrega atrasou", "Ainda não recebi o produto", "Quero a DEVOLUÇÃO", "quero a devolucao", "Produto lindo"]
    tagged = tag_feedback(pd.DataFrame({"text": texts}), j, ctx_with(language="pt")).frame
    assert tagged["tags"].tolist() == [["delivery"], ["delivery"], ["returns"], ["returns"], []]
    assert tagged["complaint"].tolist() == [True, True, False, False, False]


# ---------------------------------------------------------------- topics in the journey


def test_topics_add_phrases_to_keywords_and_tag_feedback():
    j = journey({"id": "payment", "name": "Payment", "data": {"topics": ["payment"], "keywords": ["Klarna"]}},
                {"id": "desk", "name": "Help desk", "data": {"topics": ["customer_service"]}})
    phrases = touchpoint_phrases(j.touchpoint("payment"), default_lexicon())
    assert "klarna" in phrases and "card declined" in phrases
    texts = ["My card declined twice", "Klarna would not load", "On hold for an hour, terrible", "Lovely cardigan"]
    tagged = tag_feedback(pd.DataFrame({"text": texts}), j, ctx_with())
    assert tagged.frame["tags"].tolist() == [["payment"], ["payment"], ["desk"], []]
    signals = {s.touchpoint: s for s in feedback_signals(tagged, j, ctx_with())}
    assert set(signals) == {"payment", "desk"} and signals["desk"].detail == {"mentions": 1, "complaints": 1}


@pytest.mark.parametrize("dtype", ["category", "string", object])
def test_text_columns_of_any_dtype_and_with_gaps_are_tagged(dtype):
    j = journey({"id": "delivery", "name": "Delivery", "data": {"topics": ["delivery"]}})
    texts = pd.Series(["Courier was late", None, "Courier was late", "Lovely parcel"], dtype=dtype)
    tagged = tag_feedback(pd.DataFrame({"text": texts}), j, ctx_with()).frame
    assert tagged["tags"].tolist() == [["delivery"], [], ["delivery"], ["delivery"]]
    assert tagged["tone"].tolist() == [-1, 0, -1, 1]


def test_an_unknown_topic_in_the_journey_is_located_and_lists_the_known_ones(tmp_path):
    path = tmp_path / "journey.yaml"
    path.write_text("stages: [buy]\ntouchpoints:\n  - id: pay\n    name: Pay\n    stage: buy\n    data:\n      topics: [payment, deliveries]\n")
    with pytest.raises(InputProblems) as caught:
        load_journey(path)
    problem = problems_of(caught)[0]
    assert problem.row == 7 and "topics" in problem.column
    assert "'deliveries'" in problem.message and "delivery" in problem.message and "checkout" in problem.message


def test_a_replacing_lexicon_without_a_topic_the_journey_uses_is_an_error(tmp_path):
    lexicon = client_lexicon(tmp_path, "extends: false\nnegative: [late]\ntopics:\n  delivery: [van]\n")
    j = journey({"id": "pay", "name": "Pay", "data": {"topics": ["payment"]}})
    with pytest.raises(FixfirstError, match="topic 'payment'"):
        tag_feedback(pd.DataFrame({"text": ["x"]}), j, ctx_with(), lexicon)


# ---------------------------------------------------------------- a client's own lexicon


def test_a_client_lexicon_extends_the_default(tmp_path):
    lexicon = client_lexicon(tmp_path, """\
        language: en
        negative: [soggy]
        positive: [sold out]      # moves from negative: a ticket seller is glad
        neutral: [latex]
        remove: [waiting]
        topics:
          delivery: [parcel locker]
        """)
    assert "soggy" in lexicon.negative and "sold out" in lexicon.positive and "sold out" not in lexicon.negative
    assert "late" in lexicon.negative and "waiting" not in lexicon.negative and "waiting" not in lexicon.topics["delay"]
    assert "parcel locker" in lexicon.topics["delivery"] and "courier" in lexicon.topics["delivery"]
    assert len(lexicon.files) == 2
    assert tone("Soggy chips, latex gloves, waiting a bit", lexicon) == -1
    assert tone("Sold out in an hour!", lexicon) == 1


def test_a_client_lexicon_can_replace_the_default_even_for_another_language(tmp_path):
    lexicon = client_lexicon(tmp_path, """\
        language: de
        extends: false
        negative: [verspätet, kaputt]
        positive: [schnell]
        negators: [nicht, kein]
        topics:
          delivery: [lieferung, paket]
        """, language="de")
    assert lexicon.language == "de" and "terrible" not in lexicon.negative
    assert tone("Lieferung verspätet, Paket kaputt", lexicon) == -2
    assert tone("nicht schnell", lexicon, Feedback(language="de")) == -1
    assert tone("terrible", lexicon) == 0


@pytest.mark.parametrize("text, line, needle", [
    ("negative: [soggy]\npositiv: [fresh]\n", 2, "unknown field"),
    ("negative: [soggy]\ntopics:\n  deliveries: [locker]\n", 3, "known topics"),
    ("negators:\n  - no\n", 2, 'in quotes ("no")'),
    ("negative: [soggy]\npositive: [Soggy]\n", 2, "both negative and positive"),
    ("remove: [nonexistent]\n", 1, "cannot be removed"),
    ("language: pt\nnegative: [ruim]\n", 1, "feedback.language is 'en'"),
    ("negative: ['  ']\n", 1, "non-empty"),
    ("negators: [not at all]\n", 1, "single word"),
    ("extends: false\nremove: [late]\n", 2, "extends: true"),
])
def test_lexicon_errors_name_file_line_and_field(tmp_path, text, line, needle):
    with pytest.raises(InputProblems) as caught:
        client_lexicon(tmp_path, text)
    problem = problems_of(caught)[0]
    assert problem.file.endswith("lexicon.yaml") and problem.row == line and needle in problem.message, problem
    assert "line" in problem.location


def test_a_missing_lexicon_file_names_the_setting(tmp_path):
    with pytest.raises(FixfirstError, match="feedback.lexicon"):
        load_lexicon(Feedback(lexicon="nowhere.yaml"), tmp_path)


def test_the_engagement_loads_its_lexicon_and_check_reports_a_broken_one(tmp_path):
    folder = write_tiny_engagement(tmp_path / "shop", feedback=["Soggy chips", "Lovely shop", "Late again"],
                                   extra_audit="settings:\n  feedback:\n    lexicon: words.yaml\n")
    (folder / "words.yaml").write_text("negative: [soggy]\n")
    assert "soggy" in load_engagement(folder).lexicon.negative
    audit = run_audit(folder)
    assert audit.signals.feedback.frame["complaint"].tolist() == [True, False, True]

    (folder / "words.yaml").write_text("negative: [soggy]\ntopics:\n  nope: [x]\n")
    result = CliRunner().invoke(app, ["check", str(folder), "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (problem,) = json.loads(result.stdout)["problems"]  # check --json still prints its document
    assert problem["file"].endswith("words.yaml") and problem["row"] == 3 and "unknown topic 'nope'" in problem["message"]
    human = CliRunner().invoke(app, ["check", str(folder)])
    assert human.exit_code == 1 and "words.yaml" in human.output and "line 3" in human.output


# ---------------------------------------------------------------- agreement with human labels


def test_binary_agreement_matches_a_hand_computed_table():
    predicted = [True] * 40 + [True] * 10 + [False] * 20 + [False] * 30
    labelled = [True] * 40 + [False] * 10 + [True] * 20 + [False] * 30
    agreement = binary_agreement(predicted, labelled)
    assert (agreement.both, agreement.predicted_only, agreement.labelled_only, agreement.neither) == (40, 10, 20, 30)
    assert agreement.precision == pytest.approx(0.8) and agreement.recall == pytest.approx(40 / 60)
    # observed 0.7; chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa (0.7 - 0.5) / 0.5
    assert agreement.kappa == pytest.approx(0.4)
    assert binary_agreement([True, False], [True, False]).kappa == pytest.approx(1.0)
    assert "n=100" in agreement.describe()
    with pytest.raises(ValueError):
        binary_agreement([True], [True, False])


def test_tag_agreement_counts_recall_and_precision_per_touchpoint():
    tags = pd.Series([["flight"], ["flight", "bags"], [], ["bags"], ["flight"], ["flight"]])
    reasons = pd.Series(["Late Flight", "Lost Luggage", "Late Flight", "Lost Luggage", "Can't Tell", None], dtype="category")
    flight, bags = tag_agreement(tags, reasons, {"flight": ["Late Flight"], "bags": ["Lost Luggage"]}, uninformative=["Can't Tell"])
    assert (flight.labelled, flight.recalled, flight.tagged_with_reason, flight.precise) == (2, 1, 2, 1)
    assert (bags.labelled, bags.recalled, bags.tagged_with_reason, bags.precise) == (2, 2, 2, 2)
    assert flight.recall == 0.5 and bags.precision == 1.0
    assert macro_average([flight.recall, bags.recall, float("nan")]) == pytest.approx(0.75)


# ---------------------------------------------------------------- keyword matching rule


def test_short_keywords_match_whole_words_and_explicit_forms_override():
    j = journey({"id": "ads", "name": "Advertising", "data": {"keywords": ["ad", "promo*"]}},
                {"id": "addr", "name": "Address form", "data": {"keywords": ["=address"]}},
                {"id": "ship", "name": "Shipping", "data": {"keywords": ["deliver"]}})
    texts = ["Saw your ad on Instagram", "The address form is broken", "Addresses never save", "promotional email spam",
             "It was delivered late", "Adding to basket failed", "Too many ads"]
    tags = tag_feedback(pd.DataFrame({"text": texts}), j, ctx_with()).frame["tags"].tolist()
    assert tags == [["ads"], ["addr"], ["addr"], ["ads"], ["ship"], [], ["ads"]]


def test_whole_word_length_is_a_setting():
    j = journey({"id": "ads", "name": "Advertising", "data": {"keywords": ["ad"]}})
    texts = ["an ad", "address"]
    assert tag_feedback(pd.DataFrame({"text": texts}), j, ctx_with()).frame["tags"].tolist() == [["ads"], []]
    loose = ctx_with(whole_word_max_chars=0)
    assert tag_feedback(pd.DataFrame({"text": texts}), j, loose).frame["tags"].tolist() == [["ads"], ["ads"]]


def test_a_complaint_naming_a_failing_earlier_step_counts_there():
    j = journey_from_spec(JourneySpec.model_validate({"stages": ["buy", "receive"], "touchpoints": [
        {"id": "stock", "name": "Stock", "stage": "buy", "data": {"keywords": ["out of stock", "backorder"]}},
        {"id": "delivery", "name": "Delivery", "stage": "receive", "data": {"keywords": ["arrived", "late"]}}]}))
    texts = ["Out of stock again, so it arrived late. Terrible.", "It arrived late, terrible service.",
             "Backorder again, terrible.", "Lovely, arrived quickly."] * 10
    tagged = tag_feedback(pd.DataFrame({"text": texts, "rating": [1, 1, 1, 5] * 10}), j, ctx_with())
    plain = {s.touchpoint: s for s in feedback_signals(tagged, j, ctx_with())}
    assert (plain["stock"].detail["complaints"], plain["delivery"].detail["complaints"]) == (20, 20)
    # Stock is failing on other data: the complaint that names both is its own, not delivery's too.
    credited = {s.touchpoint: s for s in feedback_signals(tagged, j, ctx_with(), frozenset({"stock"}))}
    assert (credited["stock"].detail["complaints"], credited["delivery"].detail["complaints"]) == (20, 10)
    assert "count there" in credited["delivery"].evidence[0].text
    # A later step failing on other data takes nothing from an earlier one.
    assert {s.touchpoint: s for s in feedback_signals(tagged, j, ctx_with(), frozenset({"delivery"}))}["stock"].detail["complaints"] == 20
