"""Screening rules as data: immutable typed nodes, a Python evaluator and an Ibis compiler. No Django here."""
