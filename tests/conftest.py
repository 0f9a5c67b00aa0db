"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: ci (the default), thorough, dev."""

import os

from hypothesis import HealthCheck, settings

_SLOW = [HealthCheck.too_slow]  # nested spec trees are large to generate

settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=_SLOW,
                          print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=_SLOW)
settings.register_profile("dev", max_examples=20, deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
