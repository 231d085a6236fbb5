"""Models as code a student takes home: scripts and notebooks that rebuild and retrain them without nncore."""
from .code import file_stem, notebook, script, write

__all__ = ["file_stem", "notebook", "script", "write"]
