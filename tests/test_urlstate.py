"""Links: every setting of the moons page and the MNIST form round-trips through a URL, derived from the
declared settings; bad values fall back with a notice and decoding never raises."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncore import urlstate
from nncore.core.settings import settings_of
from nncore.data.toy import DataConfig
from nncore.models.cnn import CNNConfig
from nncore.models.registry import FAMILIES, MAX_MODELS, PRESETS, ModelSpec


def value_of(s):
    """A strategy for any valid value of one declared setting (from its declaration, no bound repeated)."""
    if s.kind == "choice":
        return st.sampled_from(s.choices)
    if s.kind == "bool":
        return st.booleans()
    if s.kind == "layers":
        return st.lists(st.integers(1, int(s.hi)), max_size=s.max_layers).map(tuple)
    if s.kind == "multi":
        return st.lists(st.sampled_from(s.choices), min_size=1, unique=True).map(tuple)
    if s.kind == "int":
        return st.integers(int(s.lo), int(s.hi))
    return st.floats(s.lo, s.hi, exclude_min=s.lo_open, exclude_max=s.hi_open, allow_nan=False)


def _valid(cls, fields: dict):
    """The config, or None where the fields break a rule between settings (batch norm needs batches of 2)."""
    try:
        return cls(**fields)
    except ValueError as exc:
        if "batch_norm" not in str(exc):                 # any other refusal of declared values is a bug
            raise
        return None


def config_of(cls):
    return st.fixed_dictionaries({n: value_of(s) for n, s in settings_of(cls).items()}) \
        .map(lambda d: _valid(cls, d)).filter(lambda c: c is not None)


NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=("Cs",)),
                min_size=1, max_size=60).filter(lambda t: t.strip())
SPECS = st.builds(ModelSpec, NAMES, st.one_of(*(config_of(f.config) for f in FAMILIES.values())))
SETUPS = st.tuples(config_of(DataConfig), st.lists(SPECS, min_size=1, max_size=MAX_MODELS).map(tuple))


def through_a_url(params: dict[str, str]) -> dict[str, str]:
    """What a browser hands back after the link is written into the address bar and opened."""
    return dict(parse_qsl(urlencode(params), keep_blank_values=True))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SETUPS)
def test_200_random_setups_survive_a_link(setup):
    data, lineup = setup
    assert urlstate.decode(through_a_url(urlstate.encode(data, lineup))) == (data, lineup, [])


@settings(max_examples=100, deadline=None)
@given(config_of(CNNConfig))
def test_the_mnist_form_survives_a_link(config):
    assert urlstate.decode_cnn(through_a_url(urlstate.encode_cnn(config))) == (config, [])


def test_defaults_make_an_empty_link_and_presets_are_recognised():
    assert urlstate.encode(*PRESETS["default"]) == {} and urlstate.encode_cnn(CNNConfig()) == {}
    for name, setup in PRESETS.items():
        assert urlstate.preset_of(*setup) == name
    data, lineup = PRESETS["seed"]
    assert urlstate.preset_of(data.replace(noise=0.3), lineup) is None


def test_link_names_come_from_the_declarations():
    assert urlstate.DATA_KEYS == {s.query or n: n for n, s in settings_of(DataConfig).items()}
    assert set(urlstate.CNN_KEYS.values()) == set(settings_of(CNNConfig))
    assert set(urlstate.hideable_labels()) == set(urlstate.HIDEABLE)


def test_bad_values_fall_back_with_a_notice_and_never_raise():
    for params in ({"epochs": "0"}, {"recipe": "<b>"}, {"learning_rate": "NaN"}, {"batch_size": "1e400"},
                   {"seed": "[1]"}, {"device": ""}, {"limit_train": "9" * 500}):
        config, notices = urlstate.decode_cnn(params)
        assert config == CNNConfig() and len(notices) == 1 and notices[0].startswith("Ignored")
    config, notices = urlstate.decode_cnn({"epochs": "5", "recipe": "seed", "junk": "x"})
    assert (config.epochs, config.recipe, notices) == (5, "seed", [])


def test_hide_lists_keep_only_known_controls():
    notices: list[str] = []
    assert urlstate.decode_hide({"hide": "noise, samples,,activation,<script>"}, notices) == \
        {"noise", "samples", "activation"}
    assert len(notices) == 1 and "<script>" in notices[0]
    assert urlstate.decode_hide({}) == frozenset()
    assert urlstate.encode_hide({"activation", "noise"}) == {"hide": "noise,activation"}
    assert urlstate.decode_hide({"hide": "x," * 10_000}) == frozenset()


def test_classroom_and_view_keys():
    assert urlstate.classroom_of({"classroom": "1"}) is True and urlstate.classroom_of({"classroom": "0"}) is False
    assert urlstate.classroom_of({}) is None and urlstate.classroom_of({"classroom": "yes please"}) is None
    assert urlstate.view_of({"classroom": "1", "noise": "0.2", "step": "3"}) == {"classroom": "1", "step": "3"}


def test_a_lineup_json_in_a_link_only_names_what_changed():
    data, lineup = PRESETS["seed"]
    models = json.loads(urlstate.encode(data, lineup)["models"])
    assert models[0]["config"]["init"] == "seed" and "activation" not in models[1]["config"]
