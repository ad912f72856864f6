"""Command-line entry points: build data, statistics, training, evaluation."""
