"""The same-story model's features, its training pairs, and stories regrouped when the model changes."""

import json
from datetime import date

import numpy as np

from assistant.briefing import grouping
from assistant.briefing.grouping import Entry, StoryIndex
from assistant.briefing.same_story import FEATURES, Side, load_model, pair_features, shared_names
from assistant.measuring.eval_sets import EvalQuestion
from assistant.measuring.story_training import average_precision, labelled, pairs


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def side(vector, names=(), day=10, source="A", lead=None):
    return Side.of(vector, vector if lead is None else lead, list(names), day, source)


def test_a_name_with_a_title_before_it_is_the_same_name():
    a = side(unit(1, 0), ["elena duarte", "brookfield", "tomas berg"])
    b = side(unit(1, 0), ["mayor elena duarte", "brookfield", "berg"])
    assert shared_names(a, b) == shared_names(b, a) == 3
    assert shared_names(a, side(unit(1, 0), ["duarte county"])) == 0


def test_pair_features_read_meaning_leads_names_days_and_outlet():
    one = side(unit(1, 0), ["port amberly"], day=10, source="A", lead=unit(0, 1))
    others = [
        side(unit(1, 0), ["port amberly"], day=12, source="A", lead=unit(0, 1)),
        side(unit(0, 1), [], day=9, source="B", lead=unit(1, 0)),
    ]
    rows = pair_features(one, others)
    assert rows.shape == (2, len(FEATURES))
    assert rows[0].tolist() == [1.0, 1.0, 1.0, 2.0, 1.0]
    assert rows[1].tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert pair_features(one, []).shape == (0, len(FEATURES))


def test_the_trained_model_joins_close_reports_and_keeps_apart_unrelated_ones():
    model = load_model()
    close = pair_features(
        side(unit(1, 0.3), ["kessler bridge", "port amberly", "northern star"]),
        [side(unit(1, 0.25), ["kessler bridge", "port amberly", "northern star"], source="B")],
    )
    apart = pair_features(side(unit(1, 0)), [side(unit(0, 1), source="B", day=12)])
    assert model.log_odds(close)[0] > 0 > model.log_odds(apart)[0]


def entry(aid, day, source="A"):
    return Entry(id=aid, key=aid, title=aid, source=source, url="", day=day, lead=aid, chunk=aid + "#0")


def question(qid, ids):
    return EvalQuestion(qid, date(2024, 1, 5), qid, (), "", frozenset(), tuple(ids), "")


def test_training_pairs_are_articles_of_one_question_within_the_days_looked_at(tmp_path):
    stories = StoryIndex(tmp_path / "stories.json")
    days = {"a": 10, "b": 11, "c": 11, "d": 10 + grouping.NEAR_DAYS + 1, "e": 10}
    for aid, day in days.items():
        stories.entries[aid] = entry(aid, day)
        stories.vectors[aid] = unit(1, 0)
    # "e" was retrieved for two questions: it labels nothing.
    label = labelled([question("q1", ["a", "b", "d", "e"]), question("q2", ["c", "e"])], set(stories.entries))
    assert label == {"a": "q1", "b": "q1", "c": "q2", "d": "q1"}
    x, y = pairs(stories, label)
    # a-b and b-d of one question, a-c, b-c and c-d of two; "d" is too many days after "a" for a pair.
    assert len(y) == 5 and y.sum() == 2
    assert x.shape == (5, len(FEATURES))


def test_average_precision():
    assert average_precision(np.array([0.9, 0.8, 0.1]), np.array([1.0, 0.0, 1.0])) == (1 + 2 / 3) / 2
    assert average_precision(np.array([0.5]), np.array([0.0])) == 0.0


def test_stories_saved_under_another_model_are_regrouped_without_reading_the_articles_again(tmp_path):
    path = tmp_path / "stories.json"
    saved = {"format": grouping.FORMAT, "grouping": {**grouping.grouping_settings(), "model": "older"}}
    saved["articles"] = [vars(entry("a", 10)) | {"story": "sa"}]
    path.write_text(json.dumps(saved))
    stories = StoryIndex(path)
    assert list(stories.entries) == ["a"] and stories.entries["a"].story == ""
    saved["grouping"]["leads"] = -1  # leads read otherwise: every article is read again
    path.write_text(json.dumps(saved))
    assert StoryIndex(path).entries == {}
