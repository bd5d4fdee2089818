#!/usr/bin/env python3
"""The whole registry flow, written only against the Python client generated from the committed
spec (openapi-python-client, see `.ci/clients`): no HTTP by hand. If the spec leaves something out
(an operation, a header, a field a real response carries), this program cannot be written, which is
the point.

    PYTHONPATH=target/clients/python python .ci/client-flow.py \\
        --base-url http://127.0.0.1:8080 --admin-password ...

Expects a database with only the bootstrap admin (`serve` without `--demo`): it creates the users,
the zones (the codes are unique) and everything else. One line per step; exits 1 at the first
step that fails, naming what was expected and what came back.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import sys
import time
import uuid
from enum import Enum
from http import HTTPStatus
from typing import Any, NoReturn

import attrs
from investment_registry_api_client import AuthenticatedClient, Client
from investment_registry_api_client.api.api_keys import create_api_key
from investment_registry_api_client.api.auth import login, me
from investment_registry_api_client.api.certificates import (
    approve_certificate,
    draft_certificate,
    get_certificate,
    get_certificate_pdf,
    get_status_list,
    list_project_certificates,
)
from investment_registry_api_client.api.investors import create_investor
from investment_registry_api_client.api.parcels import create_parcel
from investment_registry_api_client.api.projects import (
    create_lease,
    create_project,
    get_project,
    update_project,
)
from investment_registry_api_client.api.users import create_user
from investment_registry_api_client.api.verification import verify_pdf, verify_seal
from investment_registry_api_client.api.zones import create_zone, get_zone, list_zones
from investment_registry_api_client.models import (
    ApiKeyCreate,
    ApiKeyCreated,
    CertificateDraft,
    CertificateList,
    CertificateStatus,
    ContributionForm,
    ContributionInput,
    DocType,
    DraftCertificate,
    DraftCertificateKind,
    IncentiveInput,
    Investor,
    InvestorCreate,
    InvestorDocumentInput,
    InvestorKind,
    IssuedCertificate,
    IssuedCertificateKind,
    LandUse,
    Lease,
    LeaseCreate,
    LegalRepresentativeInput,
    LoginRequest,
    LoginResponse,
    MilestoneInput,
    ObjectiveInput,
    Parcel,
    ParcelCreate,
    PdfVerdict,
    PdfVerification,
    Problem,
    Project,
    ProjectCreate,
    ProjectPatch,
    ProjectStatus,
    Role,
    Scope,
    SealVerification,
    StatusPurpose,
    User,
    UserCreate,
    Verdict,
    Zone,
    ZoneCreate,
    ZoneKind,
    ZoneList,
    ZoneStatus,
)
from investment_registry_api_client.types import UNSET, File, Response

STEP = 0
STARTED = time.monotonic()


class FlowError(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise FlowError(message)


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def step(message: str) -> None:
    global STEP
    STEP += 1
    print(f"[{STEP:02d}] ok  {message}", flush=True)


def describe(response: Response[Any]) -> str:
    body = response.content[:2000].decode("utf-8", "replace")
    return f"HTTP {int(response.status_code)}, body: {body}"


def undeclared(value: Any, path: str) -> list[str]:
    """Fields of a parsed body that its schema does not declare (the generated models keep them in
    `additional_properties`): each one is a field the spec leaves out."""
    found: list[str] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += undeclared(item, f"{path}[{i}]")
    elif attrs.has(type(value)) and not isinstance(value, (File, Enum)):
        extra = getattr(value, "additional_properties", None) or {}
        found += [f"{path}.{name}" for name in sorted(extra)]
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                found += undeclared(getattr(value, field.name), f"{path}.{field.name}")
    return found


def expect(response: Response[Any], status: int, model: type, what: str) -> Any:
    """The parsed body of `response`, after checking its status, its model, and that it carries no
    field the spec does not declare."""
    if response.status_code != status:
        fail(f"{what}: expected HTTP {status}, got {describe(response)}")
    if not isinstance(response.parsed, model):
        fail(
            f"{what}: expected a {model.__name__}, the client parsed "
            f"{type(response.parsed).__name__} from {describe(response)}"
        )
    extra = undeclared(response.parsed, model.__name__)
    if extra:
        fail(f"{what}: the response has fields the spec does not declare: {', '.join(extra)}")
    return response.parsed


def expect_problem(response: Response[Any], statuses: tuple[int, ...], what: str) -> Problem:
    if response.status_code not in statuses:
        fail(f"{what}: expected HTTP {' or '.join(map(str, statuses))}, got {describe(response)}")
    if not isinstance(response.parsed, Problem):
        fail(f"{what}: expected a Problem, the client parsed {type(response.parsed).__name__}")
    check(
        response.parsed.status == int(response.status_code),
        f"{what}: problem.status {response.parsed.status} is not the HTTP status "
        f"{int(response.status_code)}",
    )
    return response.parsed


def etag_of(response: Response[Any], what: str) -> str:
    tag = response.headers.get("etag")
    check(bool(tag), f"{what}: the response has no ETag header ({dict(response.headers)})")
    return tag


def staff(base_url: str, token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)


def sign_in(anonymous: Client, username: str, password: str) -> LoginResponse:
    session = expect(
        login.sync_detailed(client=anonymous, body=LoginRequest(username=username, password=password)),
        HTTPStatus.OK,
        LoginResponse,
        f"sign in as {username}",
    )
    check(session.user.username == username, f"sign in as {username}: the session is {session.user.username}'s")
    check(len(session.token) > 0, f"sign in as {username}: empty token")
    return session


def run(base_url: str, admin_password: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    password = "mat-khau-kiem-thu-" + uuid.uuid4().hex[:12]

    # ---- staff and keys -------------------------------------------------------------------
    session = sign_in(anonymous, "admin", admin_password)
    check(Role.ADMIN in session.user.roles, f"the bootstrap admin lacks the admin role: {session.user.roles}")
    admin = staff(base_url, session.token)
    step(f"signed in as admin (token until {session.expires_at.isoformat()})")

    whoami = expect(me.sync_detailed(client=admin), HTTPStatus.OK, User, "me as admin")
    check(whoami.id == session.user.id, "me: not the signed-in admin")
    step(f"me answers the admin ({whoami.display_name})")

    officer_user = expect(
        create_user.sync_detailed(
            client=admin,
            body=UserCreate(
                username="tran.thi.binh",
                display_name="Trần Thị Bình",
                password=password,
                roles=[Role.OFFICER],
            ),
        ),
        HTTPStatus.CREATED,
        User,
        "create the officer",
    )
    check(officer_user.roles == [Role.OFFICER], f"officer roles: {officer_user.roles}")
    step(f"created officer {officer_user.username} ({officer_user.id})")

    approver_user = expect(
        create_user.sync_detailed(
            client=admin,
            body=UserCreate(
                username="le.van.cuong",
                display_name="Lê Văn Cường",
                password=password,
                roles=[Role.APPROVER],
                signing_title="PHÓ TRƯỞNG BAN",
                signing_capacity="KT. TRƯỞNG BAN",
            ),
        ),
        HTTPStatus.CREATED,
        User,
        "create the approver",
    )
    check(approver_user.roles == [Role.APPROVER], f"approver roles: {approver_user.roles}")
    check(
        approver_user.signing_title == "PHÓ TRƯỞNG BAN",
        f"approver signing_title: {approver_user.signing_title!r}",
    )
    step(f"created approver {approver_user.username} ({approver_user.signing_capacity} {approver_user.signing_title})")

    created_key = expect(
        create_api_key.sync_detailed(
            client=admin,
            body=ApiKeyCreate(
                agency="Cục Thống kê tỉnh Quảng Trị",
                scopes=[Scope.REGISTRYREAD, Scope.CERTIFICATESREAD],
                rate_limit_per_minute=600,
            ),
        ),
        HTTPStatus.CREATED,
        ApiKeyCreated,
        "create the agency key",
    )
    check(len(created_key.secret) > 0, "the agency key has an empty secret")
    check(
        sorted(created_key.key.scopes) == sorted([Scope.REGISTRYREAD, Scope.CERTIFICATESREAD]),
        f"agency key scopes: {created_key.key.scopes}",
    )
    step(f"created agency key {created_key.key.id} for {created_key.key.agency}")

    officer = staff(base_url, sign_in(anonymous, officer_user.username, password).token)
    approver = staff(base_url, sign_in(anonymous, approver_user.username, password).token)
    step("signed in as the officer and as the approver")

    # ---- registry data --------------------------------------------------------------------
    zone = expect(
        create_zone.sync_detailed(
            client=officer,
            body=ZoneCreate(
                code="KCN-NDH",
                name="Khu công nghiệp Nam Đông Hà",
                kind=ZoneKind.INDUSTRIAL_PARK,
                province="Quảng Trị",
                total_area_m2=987540.0,
                industrial_service_area_m2=700000.0,
                developer="Công ty Phát triển hạ tầng khu công nghiệp Quảng Trị",
                term_start=dt.date(2021, 3, 19),
                term_end=dt.date(2071, 3, 19),
                status=ZoneStatus.OPERATING,
                figures_as_of="2022",
                source="iipvietnam.com/cac-khu-cong-nghiep-tinh-quang-tri.html",
            ),
        ),
        HTTPStatus.CREATED,
        Zone,
        "create zone KCN-NDH",
    )
    check(zone.code == "KCN-NDH", f"zone code: {zone.code}")
    check(abs(zone.total_area_ha - 98.754) < 1e-6, f"zone area: {zone.total_area_ha} ha, expected 98.754")
    step(f"created zone {zone.code} {zone.name} ({zone.total_area_ha} ha)")

    parcel = expect(
        create_parcel.sync_detailed(
            zone.id,
            client=officer,
            body=ParcelCreate(lot_code="CN-01", area_m2=52300.0, land_use=LandUse.INDUSTRIAL, note="Lô đất công nghiệp"),
        ),
        HTTPStatus.CREATED,
        Parcel,
        "create parcel CN-01",
    )
    check(parcel.zone_id == zone.id, "the parcel is not in the zone")
    step(f"created parcel {parcel.lot_code} ({parcel.area_m2} m², {parcel.status})")

    investor = expect(
        create_investor.sync_detailed(
            client=officer,
            body=InvestorCreate(
                kind=InvestorKind.DOMESTIC_ORGANIZATION,
                name="Công ty Cổ phần Điện tử Ánh Dương",
                nationality="VN",
                document=InvestorDocumentInput(
                    doc_type=DocType.ENTERPRISE_CODE,
                    number="3200123456",
                    issue_date=dt.date(2015, 6, 1),
                    issuer="Sở Kế hoạch và Đầu tư tỉnh Quảng Trị",
                ),
                tax_code="3200123456",
                head_office_address="Số 10 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
                representative=LegalRepresentativeInput(name="Nguyễn Văn An", title="Giám đốc"),
                foreign_ownership_percent=0.0,
            ),
        ),
        HTTPStatus.CREATED,
        Investor,
        "create the investor",
    )
    step(f"created investor {investor.name} ({investor.id})")

    project = expect(
        create_project.sync_detailed(
            client=officer,
            body=ProjectCreate(
                name_vi="Nhà máy sản xuất linh kiện điện tử Ánh Dương",
                name_en="Anh Duong Electronic Components Factory",
                zone_id=zone.id,
                address="Lô CN-01, Khu công nghiệp Nam Đông Hà, tỉnh Quảng Trị",
                investors=[
                    ContributionInput(
                        investor_id=investor.id,
                        capital_vnd=100_000_000_000,
                        form=ContributionForm.CASH,
                        schedule="Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận đăng ký đầu tư",
                    )
                ],
                objectives=[ObjectiveInput(description="Sản xuất linh kiện điện tử", vsic_code="2610")],
                scale="5 triệu sản phẩm/năm",
                total_capital_vnd=250_000_000_000,
                contributed_capital_vnd=100_000_000_000,
                mobilized_capital_vnd=150_000_000_000,
                capital_usd=10_000_000,
                exchange_rate_vnd_per_usd=25_000,
                exchange_rate_date=dt.date(2026, 11, 1),
                duration_years=50,
                milestones=[
                    MilestoneInput(description="Hoàn thành xây dựng và đưa vào hoạt động", due_date=dt.date(2028, 6, 30))
                ],
                incentives=[
                    IncentiveInput(
                        description="Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định",
                        legal_basis="Điều 15, 16 Luật Đầu tư số 61/2020/QH14",
                    )
                ],
                conditions=["Đáp ứng các điều kiện về bảo vệ môi trường"],
            ),
        ),
        HTTPStatus.CREATED,
        Project,
        "create the project",
    )
    check(project.status == ProjectStatus.DRAFT, f"new project status: {project.status}")
    check(len(project.project_code) == 10, f"project code: {project.project_code!r}")
    step(f"created project {project.project_code} {project.name_vi} ({project.status})")

    lease = expect(
        create_lease.sync_detailed(
            project.id,
            client=officer,
            body=LeaseCreate(
                parcel_id=parcel.id,
                area_m2=52300.0,
                start_date=dt.date(2026, 12, 1),
                end_date=dt.date(2071, 3, 19),
            ),
        ),
        HTTPStatus.CREATED,
        Lease,
        "lease parcel CN-01 to the project",
    )
    check(lease.active and lease.parcel_id == parcel.id, f"lease: {lease}")
    step(f"leased {parcel.lot_code} to the project from {lease.start_date} to {lease.end_date}")

    # ---- first issue ----------------------------------------------------------------------
    draft = expect(
        draft_certificate.sync_detailed(
            project.id,
            client=officer,
            body=CertificateDraft(dossier_received_on=dt.date(2026, 11, 20), bilingual=False),
        ),
        HTTPStatus.CREATED,
        DraftCertificate,
        "draft the first certificate",
    )
    check(draft.kind == DraftCertificateKind.DRAFT, f"draft kind: {draft.kind}")
    check(draft.status == CertificateStatus.DRAFT, f"draft status: {draft.status}")
    step(f"drafted certificate {draft.id} ({draft.version_label})")

    approval_key = str(uuid.uuid4())
    approved = approve_certificate.sync_detailed(draft.id, client=approver, idempotency_key=approval_key)
    first = expect(approved, HTTPStatus.OK, IssuedCertificate, "approve the first certificate")
    check(first.kind == IssuedCertificateKind.ISSUED, f"issued kind: {first.kind}")
    check(first.version == 0, f"first version: {first.version}")
    check(first.status == CertificateStatus.IN_FORCE, f"first status: {first.status}")
    check(first.id == draft.id, "the issued certificate is not the draft approved")
    check(first.approved_by == approver_user.id, f"approved_by: {first.approved_by}")
    check("Lê Văn Cường" in first.signer_name, f"signer_name: {first.signer_name!r}")
    etag_of(approved, "approve")
    step(f"approved: version {first.version}, {first.version_label}, seal {first.seal}")

    replay = approve_certificate.sync_detailed(draft.id, client=approver, idempotency_key=approval_key)
    replayed = expect(replay, HTTPStatus.OK, IssuedCertificate, "retry the approval with the same Idempotency-Key")
    check(replayed.id == first.id and replayed.version == 0, "the retried approval answered another certificate")
    check(
        replay.headers.get("idempotent-replayed") == "true",
        f"the retried approval has Idempotent-Replayed {replay.headers.get('idempotent-replayed')!r}",
    )
    step("a retried approval with the same Idempotency-Key replays the result")

    registered = expect(get_project.sync_detailed(project.id, client=officer), HTTPStatus.OK, Project, "read the project")
    check(registered.status == ProjectStatus.REGISTERED, f"project status after issue: {registered.status}")
    step(f"the project is now {registered.status}")

    pdf_response = get_certificate_pdf.sync_detailed(first.id, client=officer)
    pdf_file = expect(pdf_response, HTTPStatus.OK, File, "download the signed PDF")
    pdf = pdf_file.payload.read()
    check(pdf.startswith(b"%PDF-"), f"the PDF starts with {pdf[:16]!r}")
    check(len(pdf) == first.pdf_size, f"PDF size {len(pdf)}, certificate says {first.pdf_size}")
    check(hashlib.sha256(pdf).hexdigest() == first.pdf_sha256.lower(), "PDF SHA-256 differs from pdf_sha256")
    step(f"downloaded the signed PDF ({len(pdf)} bytes, {first.pages} page(s), SHA-256 matches)")

    seal = expect(verify_seal.sync_detailed(first.seal, client=anonymous), HTTPStatus.OK, SealVerification, "verify the seal")
    check(seal.verdict == Verdict.GENUINE, f"seal verdict: {seal.verdict} ({seal.headline_en})")
    check(seal.certificate is not UNSET, "seal verification names no certificate")
    check(seal.certificate.project_code == project.project_code, f"seal names project {seal.certificate.project_code}")
    check(seal.certificate.status == CertificateStatus.IN_FORCE, f"seal certificate status: {seal.certificate.status}")
    step(f"seal verified: {seal.verdict} — {seal.headline_en}")

    checked = expect(
        verify_pdf.sync_detailed(client=anonymous, body=File(payload=io.BytesIO(pdf), file_name="gcn.pdf", mime_type="application/pdf")),
        HTTPStatus.OK,
        PdfVerification,
        "verify the uploaded PDF",
    )
    check(checked.verdict == PdfVerdict.GENUINE, f"PDF verdict: {checked.verdict} ({checked.detail})")
    check(checked.certificate_verdict == Verdict.GENUINE, f"PDF certificate verdict: {checked.certificate_verdict}")
    step(f"PDF verified: {checked.verdict}, certificate {checked.certificate_verdict} — {checked.headline_en}")

    tampered = bytearray(pdf)
    middle = len(tampered) // 2
    tampered[middle] ^= 0x01
    forged = expect(
        verify_pdf.sync_detailed(client=anonymous, body=File(payload=io.BytesIO(bytes(tampered)), mime_type="application/pdf")),
        HTTPStatus.OK,
        PdfVerification,
        "verify a PDF with one byte changed",
    )
    check(forged.verdict != PdfVerdict.GENUINE, f"a changed PDF was found {forged.verdict}")
    step(f"a PDF with one byte changed is not genuine ({forged.verdict})")

    # ---- adjustment -----------------------------------------------------------------------
    read = get_project.sync_detailed(project.id, client=officer)
    current = expect(read, HTTPStatus.OK, Project, "read the project before the change")
    etag = etag_of(read, "get_project")
    check(etag == f'"{current.version}"', f"ETag {etag} is not the quoted version {current.version}")
    step(f"read the project, ETag {etag}")

    patched_response = update_project.sync_detailed(
        project.id, client=officer, if_match=etag, body=ProjectPatch(scale="6 triệu sản phẩm/năm")
    )
    patched = expect(patched_response, HTTPStatus.OK, Project, "PATCH the project's scale")
    check(patched.scale == "6 triệu sản phẩm/năm", f"scale after PATCH: {patched.scale!r}")
    new_etag = etag_of(patched_response, "update_project")
    check(new_etag != etag, f"the ETag did not change ({new_etag})")
    step(f"patched the scale with If-Match {etag}, new ETag {new_etag}")

    stale = update_project.sync_detailed(
        project.id, client=officer, if_match=etag, body=ProjectPatch(scale="7 triệu sản phẩm/năm")
    )
    expect_problem(stale, (HTTPStatus.PRECONDITION_FAILED,), "PATCH with a stale If-Match")
    unchanged = expect(get_project.sync_detailed(project.id, client=officer), HTTPStatus.OK, Project, "read after 412")
    check(unchanged.scale == "6 triệu sản phẩm/năm", f"the refused PATCH changed the scale to {unchanged.scale!r}")
    step("a PATCH with the stale ETag gets 412 and changes nothing")

    draft2 = expect(
        draft_certificate.sync_detailed(
            project.id, client=officer, body=CertificateDraft(), idempotency_key=str(uuid.uuid4())
        ),
        HTTPStatus.CREATED,
        DraftCertificate,
        "draft the second certificate",
    )
    step(f"drafted the change {draft2.id} (first issued {draft2.first_issued_on})")

    second = expect(
        approve_certificate.sync_detailed(draft2.id, client=approver, idempotency_key=str(uuid.uuid4())),
        HTTPStatus.OK,
        IssuedCertificate,
        "approve the second certificate",
    )
    check(second.version == 1, f"second version: {second.version}")
    check(second.kind == IssuedCertificateKind.ISSUED, f"second kind: {second.kind}")
    check(second.status == CertificateStatus.IN_FORCE, f"second status: {second.status}")
    check(second.first_issued_on == first.issued_on, f"second first_issued_on {second.first_issued_on}")
    step(f"approved the change: version {second.version}, {second.version_label}")

    old = expect(get_certificate.sync_detailed(first.id, client=officer), HTTPStatus.OK, IssuedCertificate, "read the first certificate again")
    check(old.status == CertificateStatus.SUPERSEDED, f"first certificate status: {old.status}")
    check(old.superseded_by == second.id, f"first superseded_by {old.superseded_by}, expected {second.id}")
    old_seal = expect(verify_seal.sync_detailed(first.seal, client=anonymous), HTTPStatus.OK, SealVerification, "verify the old seal")
    check(old_seal.verdict == Verdict.SUPERSEDED, f"old seal verdict: {old_seal.verdict}")
    new_seal = expect(verify_seal.sync_detailed(second.seal, client=anonymous), HTTPStatus.OK, SealVerification, "verify the new seal")
    check(new_seal.verdict == Verdict.GENUINE, f"new seal verdict: {new_seal.verdict}")
    step("the first version is superseded (its seal says so), the second is genuine")

    # ---- paging ---------------------------------------------------------------------------
    more = [
        ("KCN-QN", "Khu công nghiệp Quán Ngang", ZoneKind.INDUSTRIAL_PARK, 2_050_000.0, ZoneStatus.OPERATING),
        ("KCN-TBHX", "Khu công nghiệp Tây Bắc Hồ Xá", ZoneKind.INDUSTRIAL_PARK, 2_147_700.0, ZoneStatus.UNDER_CONSTRUCTION),
        ("KKT-LB", "Khu kinh tế thương mại đặc biệt Lao Bảo", ZoneKind.BORDER_ECONOMIC_ZONE, 158_040_000.0, ZoneStatus.OPERATING),
    ]
    created_zones = [zone.id]
    for code, name, kind, area, status in more:
        extra = expect(
            create_zone.sync_detailed(
                client=officer,
                body=ZoneCreate(code=code, name=name, kind=kind, province="Quảng Trị", total_area_m2=area, status=status),
            ),
            HTTPStatus.CREATED,
            Zone,
            f"create zone {code}",
        )
        created_zones.append(extra.id)
    step(f"created {len(more)} more zones: {', '.join(code for code, *_ in more)}")

    seen: list[uuid.UUID] = []
    pages = 0
    cursor: Any = UNSET
    while True:
        page = expect(
            list_zones.sync_detailed(client=officer, limit=1, cursor=cursor),
            HTTPStatus.OK,
            ZoneList,
            f"list zones, page {pages + 1}",
        )
        pages += 1
        check(len(page.items) <= 1, f"page {pages} has {len(page.items)} items with limit=1")
        seen.extend(z.id for z in page.items)
        if isinstance(page.next_cursor, str) and page.next_cursor:
            cursor = page.next_cursor
        else:
            break
        check(pages <= 100, "more than 100 pages of zones: the cursor does not advance")
    check(len(seen) == len(set(seen)), f"a zone came twice while paging: {seen}")
    check(set(seen) == set(created_zones), f"paging saw {len(seen)} zones, {len(created_zones)} were created")
    check(pages >= 2, f"only {pages} page(s)")
    step(f"paged the zones with limit=1: {pages} pages, {len(seen)} zones, each once")

    # ---- the agency key -------------------------------------------------------------------
    agency = AuthenticatedClient(
        base_url=base_url,
        token=created_key.secret,
        prefix="",
        auth_header_name="X-Api-Key",
        raise_on_unexpected_status=True,
    )
    seen_by_agency = expect(get_project.sync_detailed(project.id, client=agency), HTTPStatus.OK, Project, "read the project with the key")
    check(seen_by_agency.scale == "6 triệu sản phẩm/năm", f"the key reads scale {seen_by_agency.scale!r}")
    step(f"the agency key reads project {seen_by_agency.project_code}")

    history = expect(
        list_project_certificates.sync_detailed(project.id, client=agency),
        HTTPStatus.OK,
        CertificateList,
        "list the certificates with the key",
    )
    versions = sorted(
        (c.version, str(c.status)) for c in history.items if isinstance(c, IssuedCertificate)
    )
    check(versions == [(0, "superseded"), (1, "in_force")], f"certificate history seen by the key: {versions}")
    step(f"the agency key lists the certificates: {versions}")

    # ---- the W3C Bitstring Status List, read as an outside verifier reads it ----------------
    current = next(c for c in history.items if isinstance(c, IssuedCertificate) and c.version == 1)
    entry = next(e for e in current.credential_status if str(e.status_purpose) == "revocation")
    listed = get_status_list.sync_detailed(StatusPurpose.REVOCATION, client=anonymous)
    check(listed.status_code == HTTPStatus.OK, f"status list: HTTP {int(listed.status_code)}")
    jws = listed.content.decode("ascii").strip()
    check(jws.count(".") == 2, "the status list is not a compact JWS")
    payload = json.loads(base64.urlsafe_b64decode(jws.split(".")[1] + "=" * (-len(jws.split(".")[1]) % 4)))
    check("BitstringStatusListCredential" in payload["type"], f"credential type {payload['type']}")
    encoded = payload["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = entry.status_list_index
    bit = (bits[index // 8] >> (7 - index % 8)) & 1
    check(bit == 0, f"version 1 (in force) has its revocation bit set at {index}")
    step(f"the revocation list ({len(bits) * 8} bits) has version 1's bit {index} clear")

    refused = create_zone.sync_detailed(
        client=agency,
        body=ZoneCreate(code="KKT-HL", name="Khu kinh tế Hòn La", kind=ZoneKind.ECONOMIC_ZONE, province="Quảng Trị", total_area_m2=100_000_000.0, status=ZoneStatus.OPERATING),
    )
    problem = expect_problem(refused, (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN), "create a zone with the key")
    step(f"a write with the key is refused: {int(refused.status_code)} {problem.title}")

    expect(get_zone.sync_detailed(zone.id, client=agency), HTTPStatus.OK, Zone, "read the zone with the key")
    refused_patch = update_project.sync_detailed(
        project.id, client=agency, if_match=new_etag, body=ProjectPatch(scale="7 triệu sản phẩm/năm")
    )
    expect_problem(refused_patch, (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN), "PATCH the project with the key")
    step(f"a PATCH with the key is refused: {int(refused_patch.status_code)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080")
    parser.add_argument("--admin-password", required=True, help="BOOTSTRAP_ADMIN_PASSWORD of the server")
    args = parser.parse_args()
    try:
        run(args.base_url.rstrip("/"), args.admin_password)
    except FlowError as error:
        print(f"[{STEP + 1:02d}] FAIL {error}", file=sys.stderr, flush=True)
        return 1
    print(f"client flow passed: {STEP} steps in {time.monotonic() - STARTED:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
