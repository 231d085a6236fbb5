"""The moons page's leaderboard: one row per model, or, with repeats over seeds, each model's mean,
spread and 95 % confidence interval with a plain-words note on the two best and every run's accuracy."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from nncore.data.points import MAX_ROWS, safe_cell
from nncore.data.toy import points_csv
from nncore.engine.results import BARELY_LEARNED
from nncore.records.moons import LiveView

MISSING = "—"           # a cell with no value: a model waiting, diverged, or without a parameter count
BOARD_FORMAT = {"test accuracy": "{:.1%}", "train loss": "{:.4f}", "test loss": "{:.4f}", "train seconds": "{:.2f}",
                "parameters": "{:.0f}",     # (a count beside a None is a float to pandas)
                **dict.fromkeys(("mean test accuracy", "± std", "95% CI low", "95% CI high", "lowest", "highest"),
                                "{:.1%}")}
# One run each: the columns a teacher reads, in pixels that add up to the 530 px a 1024-px screen leaves beside
# the sidebar, classroom mode's larger text included (the losses are in the curves, the epochs in the counters;
# the CSV keeps every column).
ON_SCREEN = ("model", "test accuracy", "status", "parameters", "framework", "train seconds")
BOARD_COLUMNS = {
    "model": st.column_config.TextColumn(width=150),
    "test accuracy": st.column_config.ProgressColumn("test accuracy", format="percent", min_value=0, max_value=1,
                                                     width=95),
    "status": st.column_config.TextColumn(width=70),
    "train loss": st.column_config.NumberColumn(format="%.4f"),
    "test loss": st.column_config.NumberColumn(format="%.4f"),
    "parameters": st.column_config.NumberColumn("params", format="%d", width=65,
                                                help="The model's learned numbers (weights and biases)."),
    "framework": st.column_config.TextColumn(width=80),
    "train seconds": st.column_config.NumberColumn("seconds", format="%.2f", width=65,
                                                   help="Seconds of training."),
    "mean test accuracy": st.column_config.ProgressColumn("mean test accuracy", format="percent", min_value=0,
                                                          max_value=1, help="The mean over the runs (seeds)."),
    **{c: st.column_config.NumberColumn(format="percent", help=h) for c, h in (
        ("± std", "How far one run strays from the mean: the standard deviation over the seeds."),
        ("95% CI low", "The mean is in this interval with 95 % confidence (Student's t)."),
        ("95% CI high", "The mean is in this interval with 95 % confidence (Student's t)."),
        ("lowest", "The worst run's test accuracy."), ("highest", "The best run's test accuracy."))}}


def leaderboard(view: LiveView, tag: str, table=None) -> None:
    """While training a plain table (cheap to redraw); once over (``table``, from ``final_table``) a
    sortable grid."""
    st.subheader("Leaderboard")
    if table is not None:                         # sortable, with a CSV download
        st.dataframe(table, hide_index=True, key="board", column_order=shown(table), placeholder=MISSING,
                     column_config={c: BOARD_COLUMNS[c] for c in table.column_names if c in BOARD_COLUMNS})
    else:                                         # while training: a plain table, cheap to redraw
        frame = pd.DataFrame(view.board)
        st.table(frame.set_index("model").style.format(
            {c: f for c, f in BOARD_FORMAT.items() if c in frame.columns}, na_rep=MISSING))
    if any(row.get("status") == "barely learned" for row in view.board):
        st.caption(BARELY_LEARNED)
    if view.note:                                 # repeats: do the two best differ by more than luck?
        st.markdown(view.note)
    if view.spread is not None:
        st.plotly_chart(view.spread, width="stretch", key=f"spread-{tag}")


def final_table(board: list[dict]) -> pa.Table:
    """The finished leaderboard as an Arrow table, built once: a rerun sends it as it is (converting a
    DataFrame on every rerun cost a third of the finished page's). Parameter counts stay whole numbers
    where a model has none (None: a family that declares no count)."""
    frame = pd.DataFrame(board)
    if "parameters" in frame.columns:
        frame["parameters"] = frame["parameters"].astype("Int64")
    return pa.Table.from_pandas(frame, preserve_index=False)


def shown(table: pa.Table) -> list[str]:
    """The columns on screen: one run each, ``ON_SCREEN`` in the rows' order (``board_row``: the verdict
    beside the accuracy); over repeats, what fits a 1024-px projector (the box plot shows the lowest and highest
    run, the CSV has every column)."""
    if "mean test accuracy" not in table.column_names:
        return [c for c in ON_SCREEN if c in table.column_names]
    diverged = "diverged" in table.column_names and any(table["diverged"].to_pylist())
    return ["model", "mean test accuracy", "± std", "95% CI low", "95% CI high", "runs",
            *(["diverged"] if diverged else [])]


@st.cache_data(max_entries=16, show_spinner=False)
def _set_csv(data_cfg) -> str:
    return points_csv(data_cfg)


def download_points(data_cfg, points, width: str = "content") -> None:
    """The data set on screen as a CSV (x1, x2, label in original units): upload it again to train on exactly
    these points. Written with the page (a built-in set once per server, cached), not when clicked: a deferred
    download was dropped by the live view's next rerun ("Deferred file ... not found")."""
    n = points.n_rows if points is not None else data_cfg.n_samples
    again = "upload it again" if n <= MAX_ROWS else f"(over {MAX_ROWS:,} points: too many to upload again)"
    text = points_csv(data_cfg, points) if points is not None else _set_csv(data_cfg)
    st.download_button("Download these points (CSV)", text, f"{data_cfg.name}-points.csv", "text/csv",
                       icon=":material/scatter_plot:", key="download_points", on_click="ignore",
                       help=f"x1, x2, label: open it in a spreadsheet, change it, {again}.", width=width)


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV whose text cells never start a spreadsheet formula (model names are students')."""
    return table.map(lambda v: safe_cell(v) if isinstance(v, str) else v).to_csv(index=False)
