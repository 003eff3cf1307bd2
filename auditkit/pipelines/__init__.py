"""Compositions of several sides, one level above them.

Sides (langid, probes, evals) never import each other; where a command needs two of them
(per-language reward-model accuracy needs language ID of the pairs' prompts), the composition
lives here and the top-level CLI calls it.
"""
