"""Page tests (AppTest) for lesson links: hide=, the Preset box, classroom mode across pages, read-only
advanced settings, the guided lesson and the Share dialog."""
from __future__ import annotations

import pytest
import streamlit as st

from tests.test_pages import TINY, app, button, edit_models, moons_page, moons_state, train_button


@pytest.fixture(autouse=True)
def fresh_server_caches():
    st.cache_resource.clear()


def widget_keys(at) -> set[str]:
    found = set()
    for kind in ("slider", "number_input", "selectbox", "text_input", "checkbox", "toggle", "radio"):
        found |= {w.key for w in at.get(kind) if w.key}
    return found


def test_hide_removes_exactly_the_named_widgets_and_keeps_their_values():
    shown = widget_keys(edit_models(moons_page(models=TINY)))
    at = edit_models(moons_page(models=TINY, noise="0.3", hide="noise,samples,activation"))
    gen = moons_state(at).generation
    gone = {f"g{gen}-data-noise", f"g{gen}-data-n_samples"} | {f"g{gen}-m{i}-activation" for i in range(3)}
    assert gone <= {k.replace("g1-", f"g{gen}-") for k in shown}
    assert shown - widget_keys(at) == {k.replace(f"g{gen}-", "g1-") for k in gone}
    assert moons_state(at).setup.data.noise == 0.3                # the value still comes from the link
    assert set(str(at.query_params["hide"]).strip("[]'").split(",")) == {"noise", "samples", "activation"}
    at = edit_models(moons_page(models=TINY, hide="name,lineup"))
    assert not any(w.label == "Name" for w in at.text_input) and not any(b.label == "Load preset" for b in at.button)
    assert f"g{moons_state(at).generation}-m0-epochs" in widget_keys(at)     # the drawer has the rest


def test_a_link_that_hides_everything_the_drawer_shows_has_no_edit_button():
    from nncore.urlstate import MODEL_FIELDS
    at = moons_page(models=TINY, hide=",".join([*MODEL_FIELDS, "name", "lineup"]))
    assert not at.exception and not any(b.label == "Edit models" for b in at.button)
    summary = at.sidebar.markdown[-1].value
    assert "Scratch" in summary and "Learning rate" not in summary          # the summary hides them too


def test_the_preset_box_shows_the_preset_the_page_holds_or_custom():
    at = edit_models(moons_page(preset="seed"))        # (the Preset box is in the models drawer)
    assert at.selectbox(key="preset_choice").value == "seed"
    at = edit_models(moons_page(models=TINY))
    assert at.selectbox(key="preset_choice").value == "custom"
    at.selectbox(key="preset_choice").set_value("shallow-vs-deep")
    next(b for b in at.button if b.label == "Load preset").click().run()
    assert at.selectbox(key="preset_choice").value == "shallow-vs-deep"
    assert at.query_params.get("models") is not None


def test_classroom_mode_comes_from_the_link_and_stays_across_pages():
    at = app(classroom="1").run()
    assert at.toggle(key="classroom_mode").value
    for page in ("app_pages/moons.py", "app_pages/concepts.py", "app_pages/moons.py"):
        at.switch_page(page).run()
        assert not at.exception and at.toggle(key="classroom_mode").value
    assert at.query_params["classroom"] in ("1", ["1"])
    at.toggle(key="classroom_mode").set_value(False).run()
    assert not at.toggle(key="classroom_mode").value and "classroom" not in at.query_params


def test_classroom_mode_shows_the_advanced_settings_that_matter_read_only():
    at = moons_page(preset="seed", classroom="1")
    text = " ".join(m.value for m in at.markdown)
    assert "Weight init **seed**" in text and "Momentum **0**" in text
    assert "Weight init **seed**" in at.sidebar.markdown[-1].value      # in the models' summary too
    gen = moons_state(at).generation
    keys = widget_keys(edit_models(at))
    assert f"g{gen}-m0-init" not in keys and f"g{gen}-m0-epochs" in keys  # shown, not editable


def test_the_guided_lesson_steps_through_and_back():
    at = moons_page(lesson="intro")
    assert any("Step 1 of 5" in m.value for m in at.markdown)
    assert [s.name for s in moons_state(at).setup.lineup][0] == "Scratch (seed)"
    for i in range(2, 6):
        at.button(key="lesson_next").click().run()
        assert not at.exception and any(f"Step {i} of 5" in m.value for m in at.markdown)
        assert at.query_params["step"] in (str(i), [str(i)])
    assert at.button(key="lesson_next").disabled
    for i in range(4, 0, -1):
        at.button(key="lesson_back").click().run()
        assert not at.exception and any(f"Step {i} of 5" in m.value for m in at.markdown)
    at.radio(key="predict-intro-0").set_value(at.radio(key="predict-intro-0").options[1]).run()
    at.button(key="lesson_reveal").click().run()
    assert at.info and "Right!" in at.info[0].value


def test_the_reveal_help_asks_to_train_only_on_a_step_that_trains():
    assert "press Train" in moons_page(lesson="intro").button(key="lesson_reveal").help
    quiz = moons_page(lesson="quiz").button(key="lesson_reveal").help
    assert "Train" not in quiz and "answer" in quiz


def page_order(node, out=None) -> list[tuple[str, str | None]]:
    """The main area's elements in the order a student sees them: (type, key)."""
    out = [] if out is None else out
    children = getattr(node, "children", None)
    if children is not None and not hasattr(node, "value"):
        for k in sorted(children):
            page_order(children[k], out)
    else:
        out.append((node.type, getattr(node, "key", None)))
    return out


def test_once_trained_the_lessons_question_is_under_the_boundaries_and_keeps_the_prediction():
    """Before Train the question is in the panel, above the data; after it, under the boundary pictures it
    asks about (the panel keeps the step's title and Back/Next), with the class's pick kept for Reveal."""
    at = moons_page(lesson="intro")
    pick = at.radio(key="predict-intro-0")
    pick.set_value(pick.options[1]).run()
    order = page_order(at.main)
    assert order.index(("radio", "predict-intro-0")) < order.index(("plotly_chart", "data"))
    train_button(at).click().run()
    order = page_order(at.main)
    question, pictures = order.index(("radio", "predict-intro-0")), [i for i, e in enumerate(order) if e[0] == "image"]
    assert not at.exception and pictures and not at.caption[0].value.startswith("The seed's own")   # (no intro)
    assert order.index(("button", "lesson_next")) < order.index(("progress", None)) < pictures[0]
    assert pictures[-1] < question < order.index(("dataframe", None))  # under the pictures, above the leaderboard
    assert at.radio(key="predict-intro-0").value == pick.options[1]
    at.button(key="lesson_reveal").click().run()
    assert at.info and "Right!" in at.info[0].value


def test_the_question_goes_back_to_the_panel_when_the_results_no_longer_match_and_on_the_mnist_step():
    at = moons_page(lesson="intro")
    train_button(at).click().run()
    edit_models(at)                                      # a changed lineup, applied without training:
    gen = moons_state(at).generation          # the page shows the data again, so the panel asks
    at.number_input(key=f"g{gen}-m0-epochs").set_value(900)
    button(at, "Apply").click().run()
    order = page_order(at.main)
    assert not at.exception and order.index(("radio", "predict-intro-0")) < order.index(("plotly_chart", "data"))
    assert at.caption[0].value.startswith("The seed's own")                     # the introduction is back
    for _ in range(3):
        at.button(key="lesson_next").click().run()
    train_button(at).click().run()                       # step 4 trained, then on to the last step (no setup of
    at.button(key="lesson_next").click().run()           # its own: it asks about the MNIST page)
    assert ("progress", None) not in page_order(at.main)                        # step 4's results are gone
    train_button(at).click().run()                       # trained on its page: the question stays in the panel
    order = page_order(at.main)
    assert not at.exception and order.index(("radio", "predict-intro-4")) < order.index(("progress", None))


def test_a_lesson_link_mid_lesson_keeps_its_own_setup_and_a_bad_one_is_ignored():
    at = moons_page(lesson="intro", step="3", samples="400")
    assert any("Step 3 of 5" in m.value for m in at.markdown)
    assert moons_state(at).setup.data.n_samples == 400
    at = moons_page(lesson="../../etc/passwd", step="x")
    assert at.warning and "Ignored 'lesson'" in at.warning[0].value and not at.exception


def test_the_share_dialog_builds_the_link():
    at = moons_page(models=TINY, noise="0.2", hide="noise")
    next(b for b in at.button if b.label == "Share this setup").click().run()
    assert not at.exception
    code = " ".join(c.value for c in at.code)
    assert "noise=0.2" in code and "hide=noise" in code
