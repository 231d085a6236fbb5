"""A lineup of models trained on one data set: at once (compare), live (LiveComparison), over seeds."""
