"""Evaluation helpers: matching predictions against gold."""
from gainlp.evaluation.matching import MetricMatch, char_f1, match_metrics, subject_matches, subject_score

__all__ = ["MetricMatch", "char_f1", "match_metrics", "subject_matches", "subject_score"]
