"""The pages' records: what the moons page shows of a lineup, and the MNIST page's study of a CNN."""
