"""Where the test data lives."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
MIN_DATA = REPO / "tests" / "data" / "oneroster_min"
GRAND_BEND = REPO.parent / "shared" / "data" / "edfi-grand-bend"
