"""Where the data shipped inside the package lies: the one place the domain learns a file's path.

The rules' catalogue, the taxonomy, the ratifications, the UPR order and the UPR Info sample
are read from these paths (never fetched at run time); nothing else in the domain names a file.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE_DIR / "data"
RULES_DIR = PACKAGE_DIR / "rules"
TAXONOMY_DIR = DATA_DIR / "taxonomy"
RATIFICATIONS_DIR = DATA_DIR / "ratifications"
UPR_INFO_CSV = DATA_DIR / "upr-info" / "upr-info-sessions-1-5.csv"
EXAMPLE_PROFILE = DATA_DIR / "example-profile.yaml"
UHRI_CHILE_CSV = DATA_DIR / "uhri" / "uhri-chile-sample.csv"
REVIEW_CALENDARS_DIR = DATA_DIR / "calendars"
LOCALES_DIR = PACKAGE_DIR / "locales"
