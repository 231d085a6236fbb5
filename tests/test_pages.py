"""Page tests with Streamlit's AppTest: one page at a time, tiny epochs."""
import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import session
from nncore.data.toy import DataConfig
from nncore.lineup.live import LiveComparison
from nncore.models.registry import ModelSpec, preset
from nncore.models.scratch import ScratchConfig
from nncore.teaching.backprop import hardest_point, network_from
from tests.conftest import ROOT

APP = str(ROOT / "dashboard.py")
PAGES = ["app_pages/home.py", "app_pages/moons.py", "app_pages/mnist.py", "app_pages/concepts.py"]
TINY = json.dumps([
    {"name": "Scratch", "framework": "numpy", "config": {"epochs": 8}},
    {"name": "Torch", "framework": "torch", "config": {"epochs": 8}},
    {"name": "Sk", "framework": "sklearn", "config": {"epochs": 8}},
])


@pytest.fixture(autouse=True)
def fresh_server_caches():
    """Each test starts like a fresh server: no results shared from an earlier test."""
    st.cache_resource.clear()


def app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def moons_page(**query) -> AppTest:
    at = app(**query)
    at.run()
    at.switch_page("app_pages/moons.py").run()
    assert not at.exception
    return at


def moons_state(at) -> session.MoonsState:
    """The session's moons page record, as the page keeps it."""
    return session.moons(at.session_state)


def train_button(at):
    return next(b for b in at.button if b.label.startswith("Train"))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_a_title(page):
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert len(at.title) == 1


def test_train_fills_the_leaderboard_and_charts():
    at = moons_page(models=TINY, samples="200")
    assert not at.dataframe                              # nothing trained yet
    train_button(at).click().run()
    assert not at.exception
    board = at.dataframe[0].value
    assert list(board["model"]) and set(board["model"]) == {"Scratch", "Torch", "Sk"}
    assert set(board["epochs"]) == {8}
    assert list(at.dataframe[0].proto.column_order)[:3] == ["model", "test accuracy", "status"]   # the verdict
    assert moons_state(at).trainings == 3
    assert len(at.get("image")) == 3 + 1                 # each model's boundary; the colour scale
    assert len(at.get("plotly_chart")) == 1              # the learning curves: no closer look chosen yet
    assert at.button_group(key=session.MOONS_TAB).options == ["Neurons", "Backprop", "What differs", "Hover & zoom"]
    finals = [im.proto.imgs[0].url for im in at.get("image")]
    at.select_slider(key="snapshot").set_value(1).run()  # through training: the first frame recorded
    assert not at.exception and moons_state(at).trainings == 3
    frame = [im.proto.imgs[0].url for im in at.get("image")]
    assert len(frame) == 4 and frame[:3] != finals[:3] and "epoch" in at.markdown[0].value
    at.select_slider(key="snapshot").set_value(len(at.select_slider(key="snapshot").options)).run()
    assert [im.proto.imgs[0].url for im in at.get("image")] == finals        # the end: the finished boundaries
    open_after_tab(at, "Neurons")                        # only the chosen view runs
    assert len(at.get("plotly_chart")) == 2              # the curves, the neuron view
    open_after_tab(at, "Hover & zoom")
    assert len(at.get("plotly_chart")) == 2 and not at.exception          # the curves, the boundaries


def open_after_tab(at, label):
    """Choose one of the closer looks under a finished lineup, as a click on it does (only it runs)."""
    at.session_state[session.MOONS_TAB] = label
    return at.run()


def edit_models(at):
    """Open the models drawer, as the sidebar's Edit models button does."""
    return button(at, "Edit models").click().run()


def test_unrelated_widget_changes_do_not_retrain():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    assert moons_state(at).trainings == 3
    at.select_slider(key="snapshot").set_value(2).run()  # the through-training slider
    at.toggle(key="classroom_mode").set_value(True).run()
    at.toggle(key="classroom_mode").set_value(False).run()
    assert not at.exception and at.dataframe             # results still shown
    train_button(at).click().run()                       # same settings: reuse, no new training
    assert moons_state(at).trainings == 3
    at.switch_page("app_pages/home.py").run()
    at.switch_page("app_pages/moons.py").run()
    assert at.dataframe and moons_state(at).trainings == 3


def test_changing_one_model_retrains_only_that_model():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    edit_models(at)
    gen = moons_state(at).generation
    at.number_input(key=f"g{gen}-m0-epochs").set_value(9)
    button(at, "Apply and train").click().run()
    assert not at.exception and moons_state(at).trainings == 4
    assert not moons_state(at).models_open and [s.config.epochs for s in moons_state(at).setup.lineup] \
        == [9, 8, 8]


def test_the_models_drawer_applies_without_training_and_keeps_a_bad_value_out():
    at = moons_page(models=TINY, samples="200")
    assert not at.number_input and "Learning rate **0.1**" in at.sidebar.markdown[-1].value   # read-only
    edit_models(at)
    gen = moons_state(at).generation
    at.text_input(key=f"g{gen}-m1-label").input("Wide torch")
    at.text_input(key=f"g{gen}-m1-hidden").input("32, 32")
    button(at, "Apply").click().run()
    assert not at.exception and moons_state(at).trainings == 0 and not moons_state(at).models_open
    assert moons_state(at).setup.lineup[1].name == "Wide torch"
    assert moons_state(at).setup.lineup[1].config.hidden == (32, 32)
    assert "Wide torch" in at.sidebar.markdown[-1].value and "32, 32" in at.sidebar.markdown[-1].value
    edit_models(at)
    at.text_input(key=f"g{gen}-m1-hidden").input("32, zebra")
    button(at, "Apply").click().run()
    assert moons_state(at).models_open and "hidden layers must be" in at.error[0].value   # stays open
    assert moons_state(at).setup.lineup[1].config.hidden == (32, 32)                      # nothing lost


def test_query_params_restore_the_settings():
    at = moons_page(dataset="circles", noise="0.05", samples="300", models=TINY)
    data_cfg, lineup = moons_state(at).setup
    assert (data_cfg.name, data_cfg.noise, data_cfg.n_samples) == ("circles", 0.05, 300)
    assert [s.name for s in lineup] == ["Scratch", "Torch", "Sk"]
    assert not at.warning


def test_training_writes_the_settings_into_the_url():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    assert at.query_params["samples"] in ("200", ["200"]) and "Scratch" in str(at.query_params["models"])


@pytest.mark.parametrize("query", [
    {"noise": "NaN"}, {"noise": "7"}, {"samples": "-3"}, {"samples": "1e99"}, {"dataset": "<script>"},
    {"seed": "abc"}, {"models": "not json"}, {"models": "[]"}, {"models": json.dumps([{"framework": "x"}])},
    {"models": json.dumps([{"name": "a", "framework": "numpy", "config": {"learning_rate": -1}}])},
    {"preset": "nope"},
])
def test_bad_query_values_fall_back_with_a_notice(query):
    at = moons_page(**query)
    assert not at.exception
    assert at.warning and "Ignored" in at.warning[0].value
    data_cfg, lineup = moons_state(at).setup
    assert data_cfg.noise == 0.1 or "noise" not in query


def test_preset_link_opens_that_preset():
    at = moons_page(preset="shallow-vs-deep")
    data_cfg, lineup = moons_state(at).setup
    assert [s.name for s in lineup][0].startswith("Shallow")


def test_invalid_setting_shows_a_friendly_message():
    at = moons_page(models=TINY)
    edit_models(at)
    gen = moons_state(at).generation
    at.text_input(key=f"g{gen}-m0-hidden").input("16, banana")
    button(at, "Apply and train").click().run()
    assert not at.exception
    assert at.error and "hidden layers must be" in at.error[0].value
    assert moons_state(at).trainings == 0


def test_load_preset_add_and_remove_models():
    at = edit_models(moons_page(models=TINY))          # (the lineup's controls are in the models drawer)
    at.selectbox(key="preset_choice").set_value("seed")
    next(b for b in at.button if b.label == "Load preset").click().run()
    assert [s.name for s in moons_state(at).setup.lineup] == ["Scratch (seed)", "PyTorch (seed)",
                                                                    "Scratch (seed), He init"]
    next(b for b in at.button if b.label == "Add model").click().run()
    assert len(moons_state(at).setup.lineup) == 4
    next(b for b in at.button if b.label == "Remove model").click().run()
    assert len(moons_state(at).setup.lineup) == 3
    assert not at.exception


def test_gradient_check_panel():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    open_after_tab(at, "Backprop")
    assert any(df.value.shape[0] > 0 for df in at.dataframe[1:])        # the step's forward table
    scratch = next(r.spec.name for r in moons_state(at).live.results() if r.spec.framework == "numpy")
    assert at.number_input(key=f"step_point-{scratch}").value == hardest_points(at)[scratch]   # the hardest point
    next(b for b in at.button if b.label == "Run the gradient check").click().run()
    assert not at.exception
    assert at.success and "Largest relative error" in at.success[0].value


def hardest_points(at) -> dict[str, int]:
    """Each trained scratch model's hardest training point, by name (where the Backprop view starts)."""
    live = moons_state(at).live
    return {r.spec.name: hardest_point(network_from(r.spec.config, r.layers, live.data.n_classes),
                                       live.data.X_train, live.data.y_train)
            for r in live.results() if r.spec.framework == "numpy"}


def test_each_scratch_model_steps_from_its_own_hardest_point():
    two = json.dumps([{"name": "Wide", "framework": "numpy", "config": {"epochs": 8, "hidden": [8]}},
                      {"name": "Narrow", "framework": "numpy", "config": {"epochs": 1, "hidden": [2], "seed": 3}}])
    at = moons_page(models=two, samples="200")
    train_button(at).click().run()
    open_after_tab(at, "Backprop")
    hardest = hardest_points(at)
    assert hardest["Wide"] != hardest["Narrow"]                    # (else this test could not tell them apart)
    for name in ("Wide", "Narrow"):
        at.selectbox(key="step_model").set_value(name).run()
        assert [w.key for w in at.number_input if w.key.startswith("step_point")] == [f"step_point-{name}"]
        assert at.number_input(key=f"step_point-{name}").value == hardest[name]
    assert not at.exception


def test_advanced_settings_toggle_shows_the_rest():
    at = moons_page(models=TINY)
    gen = moons_state(at).generation
    keys = lambda: {w.key for w in at.number_input}  # noqa: E731
    edit_models(at)
    assert f"g{gen}-m0-l2" not in keys()
    at.toggle(key="advanced_settings").set_value(True).run()
    assert f"g{gen}-m0-l2" in keys() and f"g{gen}-data-seed" in keys()
    at.toggle(key="classroom_mode").set_value(True).run()   # classroom mode hides them again
    assert f"g{gen}-m0-l2" not in keys()
    assert not at.exception


def button(at, label):
    return next(b for b in at.button if b.label == label)


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def put_training(at, name: str, epochs: int, paused: bool = True) -> LiveComparison:
    """One scratch model's training in the session, as Train leaves it; paused as after a Pause click (AppTest
    runs a page to its end, so a running loop would train every epoch before the test could click)."""
    live = LiveComparison(DataConfig(n_samples=200), [ModelSpec(name, ScratchConfig(epochs=epochs))])
    live.paused = paused
    moons_state(at).live = live
    moons_state(at).setup = session.Setup(live.data_config, live.lineup)
    return live


def test_edit_models_pauses_a_running_training():
    """The drawer is a dialog: a click in it would wait for a running training to end, so opening it pauses."""
    at = moons_page(models=json.dumps([{"name": "Long", "framework": "numpy", "config": {"epochs": 20000}}]))
    live = put_training(at, "Long", 20000, paused=False)  # running: the next run would train it all
    edit_models(at)
    assert not at.exception and live.paused and not live.done and moons_state(at).models_open
    assert "epoch 0 of 20000" in progress_text(at) and button(at, "Resume")


def test_pause_step_resume_stop_and_reset():
    """The live controls, driven the way a student clicks them."""
    at = moons_page(models=json.dumps([{"name": "Long", "framework": "numpy", "config": {"epochs": 20000}}]))
    live = put_training(at, "Long", 20000)
    at.run()
    assert "epoch 0 of 20000" in progress_text(at) and button(at, "Resume")
    button(at, "Step").click().run()                     # a twentieth of the training
    assert "epoch 1000 of 20000" in progress_text(at) and live.paused
    accuracy = live.histories()[0].last("val_accuracy")  # the picture's title: the form a finished one has
    assert f"**Long — {accuracy:.1%}**" in [m.value for m in at.markdown]
    assert list(at.table[0].value.columns)[:2] == ["test accuracy", "status"]   # the live table's order too
    button(at, "Stop").click().run()
    assert not at.exception and live.done
    assert "**Long — stopped at epoch 1000 of 20000**" in [m.value for m in at.markdown]
    board = at.dataframe[0].value
    assert list(board["status"]) == ["stopped at epoch 1000 of 20000"]
    assert moons_state(at).trainings == 0            # a stopped model is not cached as finished
    button(at, "Reset").click().run()
    assert moons_state(at).live is None and not at.dataframe and at.info


def test_watch_the_neurons_draws_them_while_training_and_is_kept_for_the_next_one():
    lineup = json.dumps([{"name": "Short", "framework": "numpy", "config": {"epochs": 300}}])
    at = moons_page(models=lineup, samples="200")
    assert train_button(at).label == "Train 1 model"
    put_training(at, "Short", 300)
    at.run()
    assert at.toggle(key="watch_neurons").value is False and len(at.get("plotly_chart")) == 1   # the curves
    button(at, "Step").click().run()
    at.toggle(key="watch_neurons").set_value(True).run()               # paused: the network as it is now
    assert len(at.get("plotly_chart")) == 2 and at.selectbox(key="neurons_live_model")
    button(at, "Resume").click().run()                   # trains to the end, a neuron view per frame
    assert moons_state(at).live.done and not at.exception
    assert "watch_neurons" not in [t.key for t in at.toggle]          # done: nothing left to watch,
    assert "neurons_live_model" not in [s.key for s in at.selectbox]   # no live view left behind
    button(at, "Reset").click().run()
    put_training(at, "Short", 300)
    at.run()
    assert at.toggle(key="watch_neurons").value is True                # the next training: still on


def test_a_finished_training_shows_every_model_at_its_last_epoch_and_is_cached():
    at = moons_page(models=TINY, samples="200")
    train_button(at).click().run()
    assert "100%" in progress_text(at) and "Scratch: epoch 8 of 8" in progress_text(at)
    assert set(at.dataframe[0].value["status"]) <= {"ok", "barely learned"}   # 8 epochs: maybe near chance
    from app_pages import chrome
    assert len(chrome.shared_results()) == 3 and chrome.shared_results().trainings == 3


def test_a_lineup_over_the_compute_budget_is_refused_before_any_work():
    huge = json.dumps([{"name": "Huge", "framework": "torch",
                        "config": {"hidden": [512] * 8, "batch_size": 2, "epochs": 20000}}])
    at = moons_page(models=huge, samples="20000")
    train_button(at).click().run()
    assert not at.exception and moons_state(at).live is None
    message = at.error[0].value
    assert "Over the compute budget" in message and "“Huge”" in message and "lower the epochs" in message
    assert moons_state(at).trainings == 0


def test_a_second_student_gets_the_first_students_result_shared():
    first = moons_page(models=TINY, samples="200")
    train_button(first).click().run()
    second = moons_page(models=TINY, samples="200")       # another session, the same lineup
    train_button(second).click().run()
    assert not second.exception and moons_state(second).trainings == 0
    assert any("Shared from the class's results: Scratch, Torch, Sk" in c.value for c in second.caption)
    assert set(second.dataframe[0].value["status"]) <= {"ok", "barely learned"}


def test_what_differs_shows_the_one_setting_the_seed_lesson_changes():
    at = moons_page(preset="seed")
    lineup = moons_state(at).setup.lineup
    short = tuple(ModelSpec(s.name, s.config.replace(epochs=5)) for s in lineup)
    moons_state(at).setup = session.Setup(moons_state(at).setup.data, short)
    live = LiveComparison(moons_state(at).setup.data, short)
    moons_state(at).live = live.start()
    while not live.done:
        live.advance_for(1.0)
    open_after_tab(at, "What differs")
    at.selectbox(key="differs_a").set_value(0).run()
    at.selectbox(key="differs_b").set_value(2).run()
    table = at.dataframe[-1].value
    assert list(table.index) == ["Weight init"] and not at.exception


def test_repeats_over_the_budget_suggest_fewer_seeds(monkeypatch):
    from app_pages import chrome
    at = app(preset="seed", repeats="10")
    at.run()
    at.switch_page("app_pages/moons.py").run()
    once = LiveComparison(*preset("seed")).estimate().seconds          # the preset trained once, here
    monkeypatch.setattr(chrome, "BUDGET_SECONDS", 3 * once)             # room for about 3 repeats, not 10
    train_button(at).click().run()
    message = at.error[0].value
    assert "Over the compute budget" in message and "repeat over fewer seeds (10 → at most" in message
    assert moons_state(at).live is None


def test_a_link_to_uploaded_points_asks_for_the_file():
    at = moons_page(dataset="csv", models=TINY)
    assert any("a link cannot carry" in i.value for i in at.info)
    train_button(at).click().run()
    assert not at.exception and moons_state(at).live is None
    assert "upload a CSV of points first" in at.error[0].value


def test_a_barely_learned_model_gets_its_sentence_under_the_leaderboard():
    """The seed's scratch network is right most of the time while barely more confident than a coin:
    the page says why, in one sentence, under the leaderboard."""
    at = moons_page(preset="seed")
    train_button(at).click().run()
    assert not at.exception
    board = at.dataframe[0].value
    assert "barely learned" in set(board["status"])
    assert any("Barely learned, yet often right?" in c.value for c in at.caption)
