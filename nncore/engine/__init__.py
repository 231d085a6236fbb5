"""Engines: trainings that step (the 2-D models' and the CNN's, on one protocol), their records, the budget."""
