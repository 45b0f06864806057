"""Fitting and measuring the scorer: graded data sets, the calibration fit, quality figures.

The scorer (:mod:`grader.scoring`) only reads what this package writes (the calibration).
"""
