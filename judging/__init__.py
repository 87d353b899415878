"""Rules of the contest: scoring, ranking, awards, clocks. Standard library only."""
