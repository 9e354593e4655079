"""Where things are: the repository, the tests' data files, ical.js."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
DATA = TESTS / "data"
UHRI = DATA / "uhri-chile.csv"
JS_DIR = TESTS / "js"
