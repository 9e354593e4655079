"""Sentences written by pure code before anyone reads them (Said), pydantic's messages as ours, and money the
reader's way: English exactly as before, every other language from the catalogs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nmrf.domain.costs import money, totals_text
from nmrf.domain.dates import Offset
from nmrf.domain.i18n import Said, translator
from nmrf.domain.wording import say
from nmrf.domain.yamlfile import PYDANTIC_SAID, said_by_pydantic


def test_a_said_sentence_is_its_english_text_and_says_itself_in_french_values_included():
    note = Said.of("observations within %(offset)s of transmission; confidential", offset=Offset(months=6))
    assert note == "observations within +6 months of transmission; confidential"
    assert say(translator("fr"), note) == "observations dans un délai de +6 mois après la transmission ; confidentiel"
    either = Said.of("%(first)s or %(second)s", first="minister", second="head_of_unit")
    assert say(translator("es"), Said.of("unknown institution %(key)s", key=either)) == (
        "institución desconocida minister o head_of_unit")


def test_money_is_grouped_and_pointed_the_readers_way_and_never_added_across_currencies():
    assert money(Decimal("1800000"), "CLP") == "1,800,000.00 CLP"  # English, as before
    assert money(Decimal("1800000"), "CLP", "es") == "1.800.000,00 CLP"
    assert money(Decimal("1800000"), "CLP", "fr-SN") == "1\u202f800\u202f000,00 CLP"
    assert money(Decimal("1800000"), "CLP", "ru") == "1\xa0800\xa0000,00 CLP"
    assert money(Decimal("99.1234"), "USD", "pt") == "99,1234 USD"  # the four decimals an amount may have
    assert totals_text({"CLP": Decimal("1550000"), "USD": Decimal("850.5")}, "es") == "1.550.000,00 CLP; 850,50 USD"


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z]+$")
    name: str = Field(min_length=2, max_length=5)
    one: str = Field(min_length=1)
    kind: Literal["ministry", "nhri"]
    count: int = Field(ge=1, le=9)
    flag: bool
    day: date
    items: list[str] = Field(min_length=2)
    mapping: dict[str, str]


@pytest.mark.parametrize("data", [
    {"key": "A!", "name": "x", "one": "", "kind": "army", "count": 0, "flag": "maybe", "day": "2027-13-01",
     "items": ["a"], "mapping": [], "extra": 1},
    {"key": 3, "name": "toolong", "count": 10, "flag": 2, "day": "x", "items": "a", "mapping": "b", "kind": 1},
    {"count": "many", "day": 1.5, "items": ["a", 2]},
])
def test_pydantics_messages_are_ours_and_their_english_is_pydantics_exactly(data):
    with pytest.raises(ValidationError) as caught:
        _Sample.model_validate(data)
    fr = translator("fr")
    said_types = set()
    for err in caught.value.errors():
        said = said_by_pydantic(err)
        if said is None:
            continue
        said_types.add(err["type"])
        if err["type"] not in ("missing", "extra_forbidden"):
            assert said == err["msg"]  # an English reader reads what pydantic wrote
        assert say(fr, said) != said  # a French reader reads French
    assert said_types and said_types <= set(PYDANTIC_SAID)
