"""Acceptance 6: 1,000 bad requests get the protocol's error codes in schema-valid responses, never a 500."""

from __future__ import annotations

import random
import string
from urllib.parse import quote, urlencode

import pytest

from thuvien.interop.oaipmh import tokens

from .conftest import error_codes

pytestmark = pytest.mark.django_db

VERBS = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords"]
LISTS = ["ListIdentifiers", "ListRecords"]
ARGUMENTS = ["identifier", "metadataPrefix", "from", "until", "set", "resumptionToken"]
BAD_DATES = [
    "2024-02-30", "2024-13-01", "2024-00-10", "2024-1-1", "24-01-01", "2024/01/01", "2024-01-01T10:00:00",
    "2024-01-01T10:00Z", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00.123Z", "2024-01-01T10:00:00+07:00",
    "2024-01-01 10:00:00Z", "0000-01-01", "yesterday", "2024-01-01Z", "１９９９-01-01", "2024-01-01T10:00:60Z",
    "2024-01-01T", "", " 2024-01-01", "2024-01-01\n", "99999-01-01",
]  # fmt: skip
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \t\n" + "ăâđêôơưáàảãạỳ€𝄞\x00\x1f\x7f"


class Fuzzer:
    """Makes bad requests with a seeded generator; each comes with the error codes it may get."""

    def __init__(self, seed: int, token: str, identifier: str):
        self.rng = random.Random(seed)
        self.token = token
        self.identifier = identifier

    def text(self, low=0, high=30) -> str:
        return "".join(self.rng.choice(ALPHABET) for _ in range(self.rng.randint(low, high)))

    def date(self) -> str:
        return self.rng.choice(BAD_DATES)

    def altered_token(self) -> str:
        token = self.token
        how = self.rng.randrange(5)
        if how == 0:  # one character changed
            i = self.rng.randrange(len(token))
            other = self.rng.choice(
                [c for c in string.ascii_letters + string.digits + "-_." if c != token[i]]
            )
            return token[:i] + other + token[i + 1 :]
        if how == 1:  # truncated
            return token[: self.rng.randrange(len(token))]
        if how == 2:  # extended
            return token + self.text(1, 5)
        if how == 3:  # forged from scratch
            return "".join(
                self.rng.choice(string.ascii_letters + string.digits + "-_.") for _ in range(len(token))
            )
        return self.text(1, 40)

    def case(self):
        """Return (method, query string or pairs, body, content type, expected codes)."""
        rng = self.rng
        kind = rng.randrange(20)
        list_verb = rng.choice(LISTS)
        if kind == 0:
            verb = rng.choice([self.text(1, 20), rng.choice(VERBS).lower(), rng.choice(VERBS) + " ", ""])
            return [("verb", verb)], {"badVerb"}
        if kind == 1:
            return [(rng.choice(ARGUMENTS), self.text())], {"badVerb"}
        if kind == 2:
            verb = rng.choice(VERBS)
            return [("verb", verb), ("verb", rng.choice(VERBS))], {"badVerb"}
        if kind == 3:
            verb = rng.choice(VERBS)
            name = rng.choice([self.text(1, 12), "Set", "metadataprefix", "token", "verb2"])
            pairs = [("verb", verb), (name, self.text())]
            if verb in LISTS:
                pairs.append(("metadataPrefix", "oai_dc"))
            if verb == "GetRecord":
                pairs += [("identifier", self.identifier), ("metadataPrefix", "oai_dc")]
            return pairs, {"badArgument"}
        if kind == 4:
            return [("verb", list_verb), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "marc21")], {
                "badArgument"
            }
        if kind == 5:
            return rng.choice([[("verb", list_verb)], [("verb", "GetRecord"), ("identifier", self.identifier)],
                               [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")]]), {"badArgument"}  # fmt: skip
        if kind == 6:
            return [
                ("verb", list_verb),
                ("metadataPrefix", "oai_dc"),
                (rng.choice(["from", "until"]), self.date()),
            ], {"badArgument"}
        if kind == 7:
            pairs = rng.choice([[("from", "2024-01-01"), ("until", "2024-01-01T00:00:00Z")],
                                [("from", "2024-03-02"), ("until", "2024-03-01")],
                                [("from", "2024-03-01T10:00:01Z"), ("until", "2024-03-01T10:00:00Z")]])  # fmt: skip
            return [("verb", list_verb), ("metadataPrefix", "oai_dc"), *pairs], {"badArgument"}
        if kind == 8:
            extra = rng.choice([("metadataPrefix", "oai_dc"), ("set", "lib"), ("from", "2024-01-01")])
            return [("verb", list_verb), ("resumptionToken", self.token), extra], {"badArgument"}
        if kind in (9, 10):
            return [("verb", "ListIdentifiers"), ("resumptionToken", self.altered_token())], {
                "badResumptionToken"
            }
        if kind == 11:
            # A genuine token used with another verb, or signed with a key this repository never had.
            if rng.random() < 0.5:
                return [("verb", rng.choice(["ListRecords", "ListSets"])), ("resumptionToken", self.token)], {
                    "badResumptionToken"
                }
            return [("verb", "ListIdentifiers"), ("resumptionToken", self.stale)], {"badResumptionToken"}
        if kind == 12:
            name = rng.choice(["metadataPrefix", "identifier", "set", "resumptionToken", "from"])
            return [("verb", rng.choice(VERBS)), (name, "x" * rng.choice([5000, 100_000]))], {"badArgument"}
        if kind == 13:
            count = rng.choice([17, 100, 3000])
            return "verb=Identify" + "&a=1" * count, {"badArgument"}
        if kind == 14:
            raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
            return "verb=" + quote(b"\xff" + raw, safe=""), {"badArgument"}
        if kind == 15:
            raw = bytes(rng.randrange(128, 256) for _ in range(rng.randint(1, 20)))
            return "verb=ListSets&x=" + raw.decode("latin-1"), {"badArgument"}
        if kind == 16:
            prefix = rng.choice(["mods", "oai_marc", "MARC21", "dc", "oai_dc2"])
            pairs = [("verb", list_verb), ("metadataPrefix", prefix)]
            if rng.random() < 0.5:
                pairs = [("verb", "GetRecord"), ("identifier", self.identifier), ("metadataPrefix", prefix)]
            return pairs, {"cannotDisseminateFormat"}
        if kind == 17:
            spec = rng.choice(
                [
                    "lib:",
                    ":lib",
                    "lib::VN",
                    "lib VN",
                    "coll/x",
                    "lib:VN-TST:",
                    "lib:Đà",
                    self.text(1, 10) + " ",
                ]
            )
            return [("verb", list_verb), ("metadataPrefix", "oai_dc"), ("set", spec)], {"badArgument"}
        if kind == 18:
            identifier = rng.choice(["oai:thuvien.test:0", "oai:thuvien.test:-1", "oai:thuvien.test:99999999",
                                     "oai:thuvien.test:1.5", "oai:khac.vn:1", "urn:isbn:123", self.text(1, 30)])  # fmt: skip
            verb = rng.choice(["GetRecord", "ListMetadataFormats"])
            pairs = [("verb", verb), ("identifier", identifier)]
            if verb == "GetRecord":
                pairs.append(("metadataPrefix", "oai_dc"))
            return pairs, {"idDoesNotExist", "badArgument"} if not identifier.strip() else {"idDoesNotExist"}
        return ("POST", self.body())

    def body(self):
        rng = self.rng
        how = rng.randrange(4)
        if how == 0:
            return (
                bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))),
                "application/x-www-form-urlencoded",
                {"badArgument", "badVerb"},
            )
        if how == 1:
            return b'{"verb": "Identify"}', "application/json", {"badArgument"}
        if how == 2:
            return b"verb=Identify&" + b"x" * 70_000, "application/x-www-form-urlencoded", {"badArgument"}
        return (
            urlencode({"verb": self.text(1, 10)}).encode(),
            "application/x-www-form-urlencoded",
            {"badVerb"},
        )


@pytest.fixture
def fuzzer(make_record, settings, client):
    settings.OAI_PAGE_SIZE = 1
    settings.OAI_REPOSITORY_IDENTIFIER = "thuvien.test"
    records = [make_record(f"Sách {n}") for n in range(3)]
    response = client.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    token = response.content.split(b"<resumptionToken", 1)[1].split(b">", 1)[1].split(b"<", 1)[0].decode()
    fuzzer = Fuzzer(20251121, token, f"oai:thuvien.test:{records[0].pk}")
    position = tokens.read(token, "ListIdentifiers")
    real_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-key-this-repository-never-had-" + "k" * 30
    fuzzer.stale = tokens.issue(position)
    settings.SECRET_KEY = real_key
    return fuzzer


def test_one_thousand_bad_requests(client, validate, fuzzer):
    seen = set()
    for n in range(1000):
        case = fuzzer.case()
        if case[0] == "POST":
            body, content_type, expected = case[1]
            response = client.generic("POST", "/oai", body, content_type=content_type)
        else:
            query, expected = case
            if not isinstance(query, str):
                query = urlencode(query)
            response = client.get("/oai", QUERY_STRING=query)
        assert response.status_code == 200, (n, case)
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        codes = error_codes(validate(response.content))
        assert codes and set(codes) <= expected, (n, case, codes)
        seen.update(codes)
    assert seen == {
        "badVerb",
        "badArgument",
        "badResumptionToken",
        "cannotDisseminateFormat",
        "idDoesNotExist",
    }
