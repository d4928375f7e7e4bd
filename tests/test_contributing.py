"""CONTRIBUTING.md's worked example cites files and names that exist in the code."""

import importlib
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
GUIDE = (BASE_DIR / "CONTRIBUTING.md").read_text()
# Files the example says to create; every other cited path must exist.
TO_CREATE = {
    "personalization/algorithms/most_viewed.py",
    "tests/personalization/algorithms/test_most_viewed.py",
    "personalization/algorithms/<name>.py",
}
NAMES = [
    ("personalization.algorithms", "empty_result"),
    ("personalization.algorithms", "ranked"),
    ("personalization.models", "Algorithm"),
    ("personalization.recompute", "NEEDS"),
    ("personalization.recompute", "USES"),
    ("personalization.recompute", "COMPUTERS"),
    ("personalization.recompute", "band_results"),
    ("personalization.recompute", "_since"),
    ("personalization.recompute", "_stored_count"),
    ("personalization.bands", "PERSONAL_ALGORITHMS"),
    ("personalization.demo_traffic", "APPEAL"),
    ("preferences.filters", "ProductFilter"),
    ("preferences.notifications", "hits"),
    ("preferences.notifications", "headline"),
    ("benchmarks.report", "header"),
    ("benchmarks.report", "write_section"),
    ("benchmarks.timing", "interleaved"),
    ("benchmarks.run", "BENCHMARKS"),
]


def cited_paths() -> set[str]:
    return set(re.findall(r"`((?:[\w.-]+/)+[\w.<>-]+\.(?:py|md|json))`", GUIDE))


def test_every_cited_file_exists():
    missing = sorted(p for p in cited_paths() - TO_CREATE if not (BASE_DIR / p).exists())

    assert cited_paths() > {"personalization/recompute.py", "personalization/models.py"}
    assert not missing, f"CONTRIBUTING.md cites files that do not exist: {missing}"


@pytest.mark.parametrize(("module", "name"), NAMES)
def test_every_cited_name_exists(module, name):
    assert name in GUIDE.replace("report.header", "header").replace(
        "report.write_section", "write_section"
    )
    assert hasattr(importlib.import_module(module), name), f"{module}.{name} is gone"


def test_the_example_algorithm_is_not_taken_yet():
    from personalization.models import Algorithm

    assert "most_viewed" not in Algorithm.values
    assert "events" in {frame for needs in _needs().values() for frame in needs}


def test_inputs_offer_the_events_frame_the_example_reads():
    from personalization.recompute import Inputs

    assert callable(Inputs.events)
    assert "_contexts" in (BASE_DIR / "personalization/bands.py").read_text()


def _needs():
    from personalization.recompute import NEEDS

    return NEEDS


def test_the_example_algorithm_runs_as_written():
    import pandas as pd

    source = re.findall(r"```python\n(.*?)```", GUIDE, re.S)[0]
    module = {"__name__": "personalization.algorithms.most_viewed"}
    module["__package__"] = "personalization.algorithms"
    exec(compile(re.sub(r"(?m)^   ", "", source), "CONTRIBUTING.md", "exec"), module)
    events = pd.DataFrame(
        {
            "session_key": ["a", "a", "b", "b", "c", "c"],
            "product_id": [1, 2, 1, 2, 1, 3],
            "kind": ["view", "view", "view", "cart_add", "view", "view"],
        }
    )

    rows = module["most_viewed"](events, min_support=1, top_n=2)

    assert rows["product_id"].tolist() == [1, 2]
    assert rows["reason"].tolist() == ["Viewed in 3 visits", "Viewed in 1 visits"]
