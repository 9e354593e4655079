"""A notification address refused at load is said in the reader's language, and the refusal never carries the
address or a part of it that could be a secret: the scheme, a port number and counts only."""

from __future__ import annotations

import pytest

from nmrf.domain.i18n import Said, translator
from nmrf.domain.wording import say
from nmrf.notifications.addresses import check_url

USER, PASSWORD, HOST = "hunteruser", "s3cretPass", "secret-host.gob.cl"
# One address for each refusal check_url makes, each carrying a user, a password and a host.
REFUSED = [
    f"{USER}:{PASSWORD}@{HOST}/hook",  # no scheme
    f"msteams://{USER}:{PASSWORD}@{HOST}/b/c",  # retired
    f"mailto://{USER}:{PASSWORD}@smtp.{HOST}:99999?to=jorge@example.gob.cl",  # port out of range
    f"json://{USER}:{PASSWORD}@{HOST}:1234567/hook",  # a "port" too long to be one (shown as its length)
    f"unknownsvc://{USER}:{PASSWORD}@{HOST}/x",  # apprise knows no such service
    f"json://{USER}:{PASSWORD}@bad_host/x",  # no server host name
    f"mailtos://{USER}:{PASSWORD}@smtp.{HOST}?to=not-an-address",  # no valid recipient
    f"mailtos://{USER}:{PASSWORD}@smtp.{HOST}?to=jorge@example.gob.cl,nobody",  # recipients dropped
]
SECRETS = (USER, PASSWORD, HOST, "secret-host", "bad_host", "jorge@example.gob.cl", "not-an-address", "nobody")


def refusal(url: str) -> Said:
    with pytest.raises(ValueError) as raised:
        check_url(url)
    said = raised.value.args[0]
    assert isinstance(said, Said), f"{url}: refused with a plain text, not a sentence of ours: {said!r}"
    return said


@pytest.mark.parametrize("url", REFUSED, ids=["no-scheme", "retired", "port", "long-port", "unknown-service",
                                              "no-host", "no-recipient", "dropped-recipients"])
def test_each_refusal_is_said_in_french_and_arabic_without_the_user_password_or_host(url):
    said = refusal(url)
    english = str(said)
    for lang in ("fr", "ar"):
        text = say(translator(lang), said)
        assert text != english, f"{lang}: still English: {text}"
        assert translator(lang).gettext(said.msgid) != said.msgid, f"{lang}: {said.msgid!r} has no translation"
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), f"{lang}: {secret!r} in {text!r}"
    for secret in SECRETS:
        assert secret.lower() not in english.lower(), f"en: {secret!r} in {english!r}"


def test_the_refusals_name_only_the_scheme_the_port_and_counts():
    assert str(refusal(REFUSED[2])) == "mailto:// URL: port 99999 is not a port (1 to 65535)"
    assert "1234567" not in str(refusal(REFUSED[3])) and "7 digits" in str(refusal(REFUSED[3]))
    assert "1 recipient(s)" in str(refusal(REFUSED[7]))
    french = say(translator("fr"), refusal(REFUSED[2]))
    assert "mailto://" in french and "99999" in french
    # The retired channel's advice is said too, inside the sentence.
    arabic = say(translator("ar"), refusal(REFUSED[1]))
    assert "Microsoft retired" not in arabic and "workflows://" in arabic
