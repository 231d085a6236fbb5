"""The typed records one student's session keeps: ``MoonsState`` (the moons page), ``MnistState`` (the MNIST
page) and ``ViewState`` (what every page shares: classroom mode, hidden controls, the guided lesson).

``app_pages.session`` creates each once per session and is the only way to them. They are plain dataclasses
with no Streamlit in them: what a page may change goes through a method where a rule comes with it (one
training per session, a Stop click keeping a CNN run, the canvas remounting), else a field is set as it is.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import pyarrow as pa

    from nncore.data.points import Points
    from nncore.data.toy import DataConfig
    from nncore.figures.neurons import Unit
    from nncore.figures.raster import BoundaryPainter
    from nncore.lineup.live import LiveComparison
    from nncore.models.cnn import CNNConfig
    from nncore.models.registry import ModelSpec
    from nncore.records.mnist import CNNRun, TrainedCNN
    from nncore.records.moons import LiveView


class Setup(NamedTuple):
    """What the moons page shows and trains: unpacks as ``data_cfg, lineup``."""
    data: DataConfig
    lineup: tuple[ModelSpec, ...]


class LessonAt(NamedTuple):
    """Where the guided lesson is: unpacks as ``name, step``."""
    name: str                     # the lesson's file in nncore/lessons ("intro")
    step: int                     # the step on screen, from 0


class ClassSeat(NamedTuple):
    """This session's place in a live class (``nncore.serving.classes``): the only record of who is the
    teacher. ``key`` is the teacher's key or the student's seat token: never shown, never in a teacher's link."""
    code: str                     # the class code ("K7M4R")
    teacher: bool                 # True: this session leads the class (goes to its steps, reveals)
    key: str


class NeuronDrawing(NamedTuple):
    """One finished model's neuron view, drawn once (``moons_inside``)."""
    units: list[Unit]             # every unit's map over the input plane, inputs first
    layers: list                  # per layer (W (in, out), b (out,))
    figure: go.Figure             # the network diagram
    note: str                     # "Showing the first 12 units of ..." where a layer is wider, else ""


@dataclass
class LiveCanvas:
    """The moons page's view of one live run, built once per run and dropped with it."""
    painter: BoundaryPainter      # paints a boundary picture on the run's mesh, each frame
    snapshots: dict[int, list[tuple[str, bytes]]] = field(default_factory=dict)  # frame k -> (title, PNG) per model
    final: LiveView | None = None             # the finished view, its pictures as PNG bytes (built once)
    table: pa.Table | None = None             # the finished leaderboard as an Arrow table (built once)
    interactive: go.Figure | None = None      # the Hover & zoom chart, built when first asked for
    neurons: dict[int, NeuronDrawing] = field(default_factory=dict)   # model index -> its finished neuron view
    stored: bool = False                      # the finished results are stored and counted (once per run)


@dataclass
class MoonsState:
    """The moons page: the setup on screen, the points uploaded, the live training and its view."""
    setup: Setup | None = None                # None before the first run reads the link (``set_setup``)
    generation: int = 0                       # in the widget keys; bumped when a preset or link replaces them
    preset_shown: Setup | None = None         # the setup the Preset box was last set to match
    models_open: bool = False                 # the models drawer is open (until Apply, dismissed or another page)
    points: Points | None = None              # the uploaded points: the dataset "csv"
    points_file: str | None = None            # the upload's file id (a new upload is read once)
    notices: list[str] = field(default_factory=list)  # link and lesson notices, shown once on the next run
    live: LiveComparison | None = None        # the lineup training (or trained); replaced by ``set_live`` only
    canvas: LiveCanvas | None = None          # its view, built once per run (``live_canvas``)
    trainings: int = 0                        # models this session trained itself (tests count them)

    def set_setup(self, data_config: DataConfig, lineup, *, new_widgets: bool = False) -> None:
        """The setup on screen; ``new_widgets``: a preset or a link replaced it, so its widgets start afresh."""
        self.setup = Setup(data_config, tuple(lineup))
        if new_widgets:
            self.generation += 1

    def set_live(self, live: LiveComparison | None) -> None:
        """Replace the live training; one still running is cancelled first (one training per session). Its
        view goes with it."""
        old = self.live
        if old is not None and old is not live and not old.done:
            old.cancel()
        self.live, self.canvas = live, None

    def live_canvas(self, make: Callable[[], LiveCanvas]) -> LiveCanvas:
        """The live run's view, built by ``make`` once per run."""
        if self.canvas is None:
            self.canvas = make()
        return self.canvas

    def drawn_neurons(self) -> dict[int, NeuronDrawing]:
        """The live run's finished neuron views by model index (a throwaway dict while it has no view)."""
        return self.canvas.neurons if self.canvas is not None else {}

    def pop_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices


@dataclass
class MnistState:
    """The MNIST page: trained models, the run in progress, the link's settings and the drawing.

    The drawing is one stroke list: the canvas starts from it (initial_drawing) and reports it back. The
    canvas keeps one key: a mounted canvas keeps its Undo history while its initial drawing stays, and
    redraws in place when Clear or Undo changes it (a new key would remount it and drop a stroke drawn
    meanwhile); one mounted afresh (a tab or page change dropped it) starts from the current strokes."""
    models: dict[str, TrainedCNN] = field(default_factory=dict)   # model key -> trained CNN, this session's only
    active: dict[str, str] = field(default_factory=dict)          # data set -> the key of the model it shows
    link: CNNConfig | None = None             # the form's settings as the link gave them (read once)
    run: CNNRun | None = None                 # the training in progress, kept if a Stop click interrupts it
    tab_request: str | None = None            # a tab to open on the next run
    strokes: list[dict] = field(default_factory=list)        # the drawing: the canvas's own Fabric.js objects
    canvas_base: list[dict] = field(default_factory=list)    # the strokes the canvas was last told to show
    canvas_redraws: int = 0                   # in the initial drawing: a Clear or Undo changes it, so it redraws
    canvas_stale: list[dict] | None = None    # the drawing before a Clear or Undo, until the canvas has redrawn

    def active_model(self, dataset: str) -> TrainedCNN | None:
        """The model the page shows for this data set, or None: a model is tied to the data set it was
        trained on, so a Fashion-MNIST model never answers on the MNIST page."""
        return self.models.get(self.active.get(dataset))

    def others(self, dataset: str) -> list[str]:
        """The data sets this session has an active model for, besides ``dataset``."""
        return [d for d, key in self.active.items() if d != dataset and key in self.models]

    def keep(self, key: str, trained: TrainedCNN) -> None:
        """Store a trained CNN and make it the active one for the data set it was trained on."""
        self.models[key] = trained
        self.active[trained.dataset] = key

    def take_run(self) -> CNNRun | None:
        """The run left in progress (None when none), taken: a Stop click or a rerun interrupted it."""
        run, self.run = self.run, None
        return run

    canvas_key = "canvas"                     # one key: a new one would remount the canvas (see above)

    @property
    def canvas_drawing(self) -> dict:
        """The canvas's initial drawing: the strokes it shows, and a count that tells a Clear from the last."""
        return {"objects": self.canvas_base, "redraws": self.canvas_redraws}

    def redraw_canvas(self, objects: list) -> None:
        """Clear or Undo: the strokes become ``objects`` and the mounted canvas redraws them (until it has,
        it still reports the old drawing, which ``canvas_reported`` then ignores)."""
        self.canvas_stale, self.strokes = self.strokes, list(objects)
        self.canvas_base = self.strokes
        self.canvas_redraws += 1

    @property
    def canvas_in_browser(self) -> dict[str, bool]:
        """Which of Undo and Clear the canvas's own history makes in the browser (so none is lost)."""
        return {"undo": self.strokes != self.canvas_base, "clear": not self.canvas_base}

    def undo_canvas(self) -> None:
        """The page's Undo: made in the browser where it can be, else redrawn."""
        if not self.canvas_in_browser["undo"]:
            self.redraw_canvas(self.strokes[:-1])

    def clear_canvas(self) -> None:
        """The page's Clear: made in the browser where it can be, else redrawn."""
        if not self.canvas_in_browser["clear"]:
            self.redraw_canvas([])

    def mount_canvas(self) -> None:
        """A canvas mounted afresh (the first, or after a tab or page change) starts from the strokes."""
        self.canvas_base, self.canvas_stale = self.strokes, None

    def canvas_reported(self, objects: list) -> list:
        """What the canvas reports is the drawing, except the drawing from before a redraw not made yet."""
        if self.canvas_stale is None or objects != self.canvas_stale:
            self.strokes, self.canvas_stale = list(objects), None
        return self.strokes

@dataclass
class ViewState:
    """What every page shares: classroom mode, the controls a link hid, the guided lesson, a live class."""
    classroom: bool | None = None             # classroom mode; None until the session's first run reads the link
    hidden: frozenset[str] = frozenset()      # the controls a link hid (hide=...), kept across pages
    lesson: LessonAt | None = None            # None outside a lesson
    revealed: set[LessonAt] = field(default_factory=set)     # the steps whose explanation is shown
    seat: ClassSeat | None = None             # this session's live class, as its teacher or a student
    join_shown: bool = True                   # the teacher's projector shows the class code large, with its QR

    def reveal(self, name: str, step: int) -> None:
        self.revealed.add(LessonAt(name, step))
