"""One host for a class: shared results with per-key claims, the fair trainer pool, warm results on disk."""
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from nncore.data.toy import DataConfig
from nncore.engine.budget import over_budget
from nncore.lineup.live import LiveComparison
from nncore.models.registry import ModelSpec
from nncore.models.scratch import ScratchConfig
from nncore.serving import shared as shared_module
from nncore.serving.pool import TrainerPool
from nncore.serving.shared import MINE, READY, TAKEN, SharedResults
from nncore.serving.store import load_result, result_nbytes
from tests.conftest import ROOT

DATA = DataConfig(n_samples=200)
LINEUP = (ModelSpec("A", ScratchConfig(epochs=20)), ModelSpec("B", ScratchConfig(epochs=30, seed=1)))


def train(live: LiveComparison) -> LiveComparison:
    while not live.done:
        live.advance_for(1.0)
    live.store()
    return live


def test_many_sessions_asking_for_one_lineup_train_it_once():
    shared = SharedResults()
    lives = [LiveComparison(DATA, LINEUP, shared=shared, owner=f"s{i}").start() for i in range(8)]
    assert lives[0].to_train == 2 and all(live.to_train == 0 for live in lives[1:])
    threads = [threading.Thread(target=train, args=(live,)) for live in lives]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert shared.trainings == 2 and all(live.done for live in lives)
    for live in lives[1:]:
        assert [r.test_accuracy for r in live.results()] == [r.test_accuracy for r in lives[0].results()]
        assert live.names(trained_here=False) == ["A", "B"]
    with pytest.raises(ValueError):                       # shared arrays are read-only
        lives[1].results()[0].boundary[0, 0, 0] = 1.0


def test_a_stopped_owner_hands_the_training_to_a_waiting_session():
    shared = SharedResults()
    owner = LiveComparison(DATA, LINEUP[:1], shared=shared, owner="first").start()
    waiter = LiveComparison(DATA, LINEUP[:1], shared=shared, owner="second").start()
    assert owner.to_train == 1 and waiter.to_train == 0 and not waiter.done
    owner.advance_for(0.01)
    owner.cancel()                                        # Stop: no result, so the claim ends
    assert owner.done and owner.results()[0].status == "stopped" and shared.trainings == 0
    train(waiter)
    assert waiter.to_train == 1 and waiter.results()[0].status == "ok" and shared.trainings == 1


def test_a_silent_claim_goes_stale(monkeypatch):
    shared = SharedResults()
    assert shared.claim("k", "gone") == MINE and shared.claim("k", "other") == TAKEN
    monkeypatch.setattr(shared_module, "STALE_SECONDS", 0.05)
    time.sleep(0.1)
    assert shared.claim("k", "other") == MINE


def test_the_shared_store_is_bounded_in_bytes():
    live = train(LiveComparison(DATA, LINEUP[:1], shared=SharedResults()).start())
    result = live.results()[0]
    size = result_nbytes(result)
    shared = SharedResults(max_bytes=int(2.5 * size))
    for i in range(5):
        shared.put(f"k{i}", result, "me")
    assert len(shared) == 2 and shared.bytes <= 2.5 * size
    assert shared.get("k0") is None and shared.get("k4") is result


def test_the_pool_serves_first_come_first_served_and_one_slot_per_session():
    pool = TrainerPool(1)
    a = pool.enter("a")
    assert pool.take(a, 0.1)
    b, c, a2 = pool.enter("b"), pool.enter("c"), pool.enter("a")
    assert (pool.ahead(b), pool.ahead(c)) == (0, 1)
    assert not pool.take(c, 0.05)                        # c waits behind b
    pool.release("a")
    assert not pool.take(c, 0.05) and pool.take(b, 0.1)  # b first
    pool.release("b")
    assert not pool.take(a2, 0.05) and pool.take(c, 0.1)  # then c, who queued before a came back
    pool.release("c")
    assert pool.take(a2, 0.1) and pool.busy == 1
    pool2 = TrainerPool(2)
    t1, t2 = pool2.enter("same"), pool2.enter("same")
    assert pool2.take(t1, 0.1) and not pool2.take(t2, 0.05)   # one session, one slot, even with two free
    pool2.leave(t2)


def test_over_budget_names_the_model_and_the_setting_to_lower():
    live = LiveComparison(DataConfig(n_samples=5000), (ModelSpec("Big", ScratchConfig(epochs=20000, batch_size=1)),))
    message = over_budget([(s.name, s, e) for s, e in zip(live.lineup, live.estimates())], 30)
    assert message and "“Big”" in message and "lower the epochs" in message and "larger batch size" in message
    small = LiveComparison(DATA, LINEUP)
    assert over_budget([(s.name, s, e) for s, e in zip(small.lineup, small.estimates())], 30) is None


def test_warm_prepares_results_that_a_server_reads_instead_of_training(tmp_path):
    out = subprocess.run([sys.executable, "-m", "nncore", "warm", "default", "--folder", str(tmp_path), "--json",
                          "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    models = json.loads(out.stdout)["presets"][0]["models"]
    assert [m["status"] for m in models] == ["ok"] * 3
    from nncore.models.registry import PRESETS
    live = LiveComparison(*PRESETS["default"], shared=SharedResults(folder=tmp_path)).start()
    assert live.done and live.to_train == 0
    assert live.names(trained_here=False) == [s.name for s in PRESETS["default"][1]]
    assert [r.test_accuracy for r in live.results()] == [m["test_accuracy"] for m in models]


def test_a_tampered_result_file_is_ignored(tmp_path):
    live = train(LiveComparison(DATA, LINEUP[:1], shared=SharedResults(folder=tmp_path)).start())
    from nncore.serving.store import save_result
    save_result(tmp_path, live.keys[0], live.results()[0])
    assert load_result(tmp_path, live.keys[0]).test_accuracy == live.results()[0].test_accuracy
    np.savez(tmp_path / f"{live.keys[0]}.npz", boundary=np.full((60, 60, 2), np.nan, dtype=np.float32))
    assert load_result(tmp_path, live.keys[0]) is None
    (tmp_path / f"{live.keys[0]}.json").write_text("{not json")
    assert load_result(tmp_path, live.keys[0]) is None
    assert load_result(tmp_path, "../etc") is None and SharedResults(folder=tmp_path).claim(live.keys[0], "x") == MINE
    assert READY == "ready"


def test_two_sessions_that_each_train_part_of_the_others_lineup_never_wait_on_each_other():
    """A claims A-only and shared models in one order, B in another: each shares a model as soon as it
    is trained, not when its whole lineup is done (else each would wait for the other's last model)."""
    shared = SharedResults()
    x, y = ModelSpec("X", ScratchConfig(epochs=15)), ModelSpec("Y", ScratchConfig(epochs=15, seed=3))
    a = LiveComparison(DATA, (x, y), shared=shared, owner="a")
    b = LiveComparison(DATA, (y, x), shared=shared, owner="b")
    a._resolve(0)                                    # a claims X, b claims Y: each waits for the other's
    b._resolve(0)
    a.start(), b.start()
    assert a.to_train == b.to_train == 1
    threads = [threading.Thread(target=train, args=(live,)) for live in (a, b)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert a.done and b.done and time.perf_counter() - start < 10 and shared.trainings == 2
