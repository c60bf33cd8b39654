"""Acceptance 3: the IIIF Image API validator (iiif-validator-ng) passes level 2 against a real HTTP server.

The validator compares what the server returns with its own test image, so the page's master here is made
from that image; it then makes real requests to Django's live server, as it would to any IIIF server.
Its runner (``iiif_validator.validate``, also behind its command line) is written for Python 3.12, so the
selection of tests it makes is done here the same way: every test up to the level the server claims, and
the optional ones for the formats, qualities and features its info.json lists.
"""

from __future__ import annotations

import importlib.resources
from urllib.request import Request, urlopen

import pytest

pytest.importorskip(
    "iiif_validator", reason="iiif-validator-ng is not installed (pip install iiif-validator-ng)"
)

import pyvips  # noqa: E402
from django.db import transaction  # noqa: E402

# The module itself, not its names: pytest would try to collect its Test* classes as tests.
from iiif_validator.tests import test as validator  # noqa: E402
from iiif_validator.tests.http_caching import HttpCachingTest  # noqa: E402

from thuvien.digital import actions, storage  # noqa: E402
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Rights, Stage  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def validation_page(network):
    """An open, published object whose one page is the validator's 1000 × 1000 test image."""
    source = importlib.resources.files("iiif_validator") / "validation_image.png"
    image = pyvips.Image.new_from_file(str(source))
    with transaction.atomic():
        obj = actions.create_object(
            library=network["prov"], actor=None, record=None, title="Ảnh kiểm tra IIIF",
            dc={"title": "Ảnh kiểm tra IIIF"}, access=AccessLevel.OPEN, embargo_until=None, collections=(),
        )  # fmt: skip
        storage.write_master(image, storage.master_path(obj.pk, 1))
        Page.objects.create(object=obj, seq=1, label="1", width=image.width, height=image.height)
        DigitalObject.objects.filter(pk=obj.pk).update(
            page_count=1, stage=Stage.PUBLISHED, rights=Rights.NOC_US
        )
        obj.refresh_from_db()
        actions.sync_visibility(obj)
    return obj


def applicable(test, features: validator.ServerFeatures) -> bool:
    """Would the validator's runner select TEST for a server with FEATURES?"""
    if features.version not in test.versions:
        return False
    level = test.compliance_level
    if isinstance(level, dict):
        level = level[features.version]
    if level <= features.compliance_level:
        return True
    names = [test.extra_name] if isinstance(test.extra_name, str) else test.extra_name or []
    if test.category == validator.TestCategory.FORMAT and any(n in features.extra_formats for n in names):
        return True
    if test.category == validator.TestCategory.QUALITY and any(n in features.extra_qualities for n in names):
        return True
    return any(n in features.extra_features for n in names)


def describe(test, failure: validator.ValidationFailure) -> str:
    return (
        f"✗ {test.name} [{test.__module__.rsplit('.', 1)[-1]}]: {failure.details}\n"
        f"    expected: {failure.expected}\n    received: {failure.received}\n    url: {failure.url}"
    )


def test_the_validator_passes_level_2(live_server, validation_page):
    server = validator.TargetServer(
        f"{live_server.url}/iiif/3", validation_id=f"{validation_page.pk}-1", version=validator.IIIFVersion.V3
    )
    features = server.feature_set()
    assert features.compliance_level == validator.ComplianceLevel.LEVEL_2
    assert features.supports_caching

    tests = [test for test in validator.get_tests(validator.IIIFVersion.V3) if applicable(test, features)]
    # HTTP caching is optional and has no feature name, so the validator never selects it: run it as well.
    tests.append(HttpCachingTest)
    results = []
    for test in tests:
        try:
            results.append((test, test.run(server)))
        except Exception as exc:  # the runner reports a test that raised as a failure; so does this one
            results.append(
                (
                    test,
                    validator.ValidationFailure(expected="the test to complete", received=repr(exc), url=""),
                )
            )
    failures, passed = [], 0
    for test, result in results:
        for outcome in result if isinstance(result, list) else [result]:
            if isinstance(outcome, validator.ValidationFailure):
                failures.append(describe(test, outcome))
            else:
                passed += 1
    ran = {test.__module__.rsplit(".", 1)[-1] for test, _ in results}
    print(f"\nIIIF validator: {len(ran)} tests, {passed} checks passed, {len(failures)} failed")
    assert not failures, "\n" + "\n".join(failures)
    # Every level-2 test ran, and the optional ones our info.json claims (extra formats, qualities, features).
    assert {
        "region_percent", "size_bwh", "size_percent", "size_region", "rot_full_basic", "rot_region_basic",
        "quality_color", "quality_grey", "format_png", "info_json", "id_squares",
        "quality_bitonal", "format_webp", "format_gif", "format_tif", "rot_mirror", "rot_mirror_180",
        "rot_full_non90", "rot_region_non90", "size_up", "size_noup", "http_cors", "http_jsonld",
        "http_baseurl_redirect", "http_linkheader_canonical", "http_linkheader_profile", "http_caching",
    } <= ran  # fmt: skip


def test_restricted_responses_are_not_readable_cross_origin(live_server, validation_page):
    DigitalObject.objects.filter(pk=validation_page.pk).update(access=AccessLevel.RESTRICTED)
    base = f"{live_server.url}/iiif/3/{validation_page.pk}-1"
    for path in ("/info.json", "/full/max/0/default.jpg"):
        try:
            urlopen(Request(base + path, headers={"Origin": "http://iiif.io"}))  # noqa: S310 - the live server
        except OSError as exc:
            assert exc.code == 404
            assert exc.headers.get("Access-Control-Allow-Origin") is None
        else:
            pytest.fail(f"{path} answered an anonymous visitor")
