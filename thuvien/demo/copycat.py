"""Copy-cataloguing targets of the demo: the network's own catalogue over SRU and Z39.50, as a member library sees it."""

from __future__ import annotations

from thuvien.interop.copycat.actions import save_target
from thuvien.interop.copycat.models import CopyTarget


def create_copycat_targets(base_url: str, z3950_port: int = 2100) -> list[CopyTarget]:
    """Create the demo's network-wide targets: this thuvien over SRU (served with the site) and Z39.50.

    A commune librarian copies the provincial catalogue's records instead of typing them. The
    Library of Congress is there too, switched off: the demo may run without the internet.
    """
    targets = [
        CopyTarget(
            code="ninh-binh-sru",
            name="Mục lục liên hợp tỉnh Ninh Bình (SRU)",
            protocol=CopyTarget.Protocol.SRU,
            sru_url=f"{base_url.rstrip('/')}/sru",
            allow_private=True,
        ),
        CopyTarget(
            code="ninh-binh-z3950",
            name="Mục lục liên hợp tỉnh Ninh Bình (Z39.50, khi chạy thuvien z3950d)",
            protocol=CopyTarget.Protocol.Z3950,
            host="127.0.0.1",
            port=z3950_port,
            database="Default",
            charset=CopyTarget.Charset.UTF8,
            allow_private=True,
        ),
        CopyTarget(
            code="loc-z3950",
            name="Library of Congress (Z39.50)",
            protocol=CopyTarget.Protocol.Z3950,
            host="lx2.loc.gov",
            port=210,
            database="LCDB",
            charset=CopyTarget.Charset.UTF8,
            enabled=False,
        ),
    ]
    return [save_target(target) for target in targets]
