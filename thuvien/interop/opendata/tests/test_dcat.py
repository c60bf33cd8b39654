"""The DCAT catalogue: valid JSON-LD naming every dataset and file, with sizes and checksums of the files."""

import hashlib
import json
import re

import pytest

from thuvien.interop.opendata import dcat
from thuvien.interop.opendata.dcat import CC0, CONTEXT
from thuvien.interop.opendata.dumps import run_dumps
from thuvien.interop.opendata.models import Dump
from thuvien.network.models import AdminUnit

pytestmark = pytest.mark.django_db
ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*:")


def _check_json_ld(node, context):
    """Check what a JSON-LD processor needs: terms are defined prefixes or keywords, @id values are IRIs."""
    if isinstance(node, list):
        for value in node:
            _check_json_ld(value, context)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@context":
            continue
        if key.startswith("@"):
            assert key in {"@id", "@type", "@value", "@language"}, key
        else:
            assert key.split(":", 1)[0] in context, f"undefined prefix in {key}"
        if key == "@id":
            prefix = value.split(":", 1)[0]
            assert prefix in context or value.startswith(("https://", "http://")), value
        if key == "@type":
            assert value.split(":", 1)[0] in context or ABSOLUTE.match(value), value
        if key == "@language":
            assert value in {"vi", "en"}
        if "@value" in node:
            assert set(node) <= {"@value", "@type", "@language"}
        _check_json_ld(value, context)


def test_the_catalogue_lists_each_dataset_and_file_with_its_checksum(catalogue, dump_dir, network):
    unit = AdminUnit.objects.create(scheme="2025", code="99", name="Tỉnh Thử Nghiệm", level="tỉnh")
    network["prov"].admin_unit = unit
    network["prov"].latitude, network["prov"].longitude = 20.25, 105.97
    network["prov"].save()
    run_dumps()
    document = json.loads(json.dumps(dcat.catalogue()))
    assert document["@context"] == CONTEXT
    _check_json_ld(document, CONTEXT)
    assert document["@type"] == "dcat:Catalog"
    assert document["dct:license"] == {"@id": CC0}
    datasets = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    assert list(datasets) == ["network", "VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA"]
    tst = datasets["VN-TST"]
    assert tst["@type"] == "dcat:Dataset"
    assert {t["@language"] for t in tst["dct:title"]} >= {"vi"}
    assert "Thư viện tỉnh Thử Nghiệm" in tst["dct:title"][0]["@value"]
    assert tst["dct:publisher"]["foaf:name"] == "Thư viện tỉnh Thử Nghiệm"
    assert tst["dct:spatial"]["skos:prefLabel"]["@value"] == "Tỉnh Thử Nghiệm"
    assert tst["dct:spatial"]["dcat:centroid"]["@value"] == "POINT(105.97 20.25)"
    assert tst["void:entities"] == 3
    for key, dataset in datasets.items():
        distributions = dataset["dcat:distribution"]
        assert [d["dcat:mediaType"]["@id"].rsplit("/", 2)[-2:] for d in distributions] == [
            ["application", "marcxml+xml"], ["text", "csv"], ["application", "ld+json"],
        ]  # fmt: skip
        for distribution in distributions:
            url = distribution["dcat:downloadURL"]["@id"]
            dump = Dump.objects.get(dataset__key=key, file_name=url.rsplit("/", 1)[1])
            assert url == f"https://thuvien.example.vn/du-lieu-mo/tai-ve/{dump.file_name}"
            data = (dump_dir / dump.stored_name).read_bytes()
            assert distribution["dcat:byteSize"]["@value"] == str(len(data))
            checksum = distribution["spdx:checksum"]
            assert checksum["spdx:algorithm"] == {"@id": "spdx:checksumAlgorithm_sha256"}
            assert checksum["spdx:checksumValue"]["@value"] == hashlib.sha256(data).hexdigest()
            assert distribution["void:entities"] == dump.records
    (service,) = document["dcat:service"]
    assert service["@type"] == "dcat:DataService"
    assert service["dcat:endpointURL"] == {"@id": "https://thuvien.example.vn/oai"}
    assert service["dcat:servesDataset"] == [{"@id": datasets["network"]["@id"]}]


def test_the_licence_comes_from_the_setting(catalogue, dump_dir, settings):
    settings.OPEN_DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
    run_dumps(formats=["csv"])
    document = dcat.catalogue()
    assert document["dct:license"]["@id"] == settings.OPEN_DATA_LICENSE
    assert all(d["dct:license"]["@id"] == settings.OPEN_DATA_LICENSE for d in document["dcat:dataset"])


def test_an_empty_catalogue_still_names_the_oai_service(db, dump_dir):
    document = dcat.catalogue()
    assert document["dcat:dataset"] == []
    assert document["dcat:service"][0]["dcat:endpointURL"]["@id"].endswith("/oai")
