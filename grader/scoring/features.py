"""The names of the credit model's signals: what :mod:`grader.scoring.credit` computes per
criterion and :mod:`grader.scoring.calibration` weighs (kept apart so that neither imports the
other)."""

# Every feature is evidence that the point is made: more of it never lowers the credit (the
# fitted weights are non-negative). Length and verbosity are deliberately not features: a long
# answer does not make a point by being long.
CREDIT_FEATURES = (
    "similarity",  # the evidence unit's similarity to the criterion (0 when none counts)
    "part_cos",  # the criterion's part of the answer vs the criterion (text or a phrasing)
    "part_cos_demoted",  # the same without stopwords and the question's own words
    "char_overlap",  # character-trigram cosine of the part and the criterion, question demoted
    "recall",  # share of the criterion's content words the part uses
    # The criterion's content tokens matched to the part's tokens (grader.scoring.token_recall):
    # a model signal, computed when the credit model reads it (a model run per part).
    "token_recall",
)
TOKEN_FEATURE = "token_recall"
# The key-point judge's log-odds that the part makes the point (grader.scoring.judge): a sixth
# column, there when the scorer has a judge (the shipped calibration's credit model uses it).
JUDGE_FEATURE = "judge"
