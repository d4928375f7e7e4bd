"""Settings for the benchmarks: the project's own, plus the ceiling page's URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
