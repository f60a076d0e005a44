"""OCDS 1.1.5 releases, compiled records and packages of the platform's procurements.

Contracting processes. A service project's procurement is one contracting process, its ocid
``<OCDS_OCID_PREFIX>-<project code>``, from planning (the project and its confirmed budget) to
the first public tender, its award, the contract and its implementation. A tender that failed
(废标) or was cancelled ends that process; the project's next tender is a new process,
``<prefix>-<project code>-<tender code>``, linked both ways by ``relatedProcesses``
(``unsuccessfulProcess`` / ``replacementProcess``) and carrying the same planning section.

Releases. The platform keeps the current state, not every past notice, so the releases are
rebuilt from the data on every request: one per event that happened (planning, tender
publication, each 更正公告, the opening, the award, the signed contract, the implementation),
dated at that event, carrying that stage's section as it is now. Release ids name the event
(and the tender's status), so they are stable while nothing changes. Sealed bids: the bidders,
their number and prices appear only in the opening release, which exists only after opening
(``portal.selectors.tender_is_opened``); the tender release never names a bidder.

Compiled records merge a process's releases in date order (latest value wins, see
``compile_release``). Amounts are JSON numbers (CNY, two decimals), times ISO 8601 in
Asia/Shanghai.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation

from portal.selectors import tender_is_opened
from procurement.models import Bid, Contract, ServiceProject, Tender

OCDS_VERSION = "1.1"
# The data is Chinese (release "language": "zh") whatever language the visitor reads the site
# in: labels (采购方式, 资金来源, ...) are rendered in the site's own language.
DATA_LANGUAGE = "zh-hans"
# Bid details (opening record prices) are not in the core schema: the bid statistics and
# details extension, declared in each package that carries them.
BID_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                 "ocds_bid_extension/v1.1.5/extension.json")

# procurementMethod (closed codelist `method`): 邀请招标 invites qualified suppliers; 谈判 and
# 磋商 invite suppliers chosen by announcement, from the supplier pool or by recommendation
# (74号令第12条, 磋商办法第6条): selective; 单一来源: limited (one supplier, chosen by the
# purchaser). The Chinese name goes to procurementMethodDetails.
PROCUREMENT_METHOD = {
    Tender.Method.OPEN: "open",
    Tender.Method.INVITED: "selective",
    Tender.Method.NEGOTIATION: "selective",
    Tender.Method.CONSULTATION: "selective",
    Tender.Method.SINGLE_SOURCE: "limited",
}
AWARD_CRITERIA = {
    Tender.EvaluationMethod.COMPREHENSIVE: "ratedCriteria",
    Tender.EvaluationMethod.LOWEST_PRICE: "priceOnly",
}
TENDER_STATUS = {
    Tender.Status.PUBLISHED: "active",
    Tender.Status.OPENED: "active",
    Tender.Status.EVALUATING: "active",
    Tender.Status.EVALUATED: "active",
    Tender.Status.AWARDED: "complete",
    Tender.Status.FAILED: "unsuccessful",
    Tender.Status.CANCELLED: "cancelled",
}
CONTRACT_STATUS = {Contract.Status.SIGNED: "active", Contract.Status.COMPLETED: "terminated"}
PUBLIC_CONTRACT_STATUSES = tuple(CONTRACT_STATUS)
ENDED_TENDER_STATUSES = (Tender.Status.FAILED, Tender.Status.CANCELLED)


def ocid_prefix() -> str:
    """Return the configured ocid prefix (setting ``OCDS["OCID_PREFIX"]``)."""
    return settings.OCDS["OCID_PREFIX"]


@dataclass(frozen=True)
class Process:
    """One contracting process: a project and (at most) one of its public tenders."""

    ocid: str
    project: ServiceProject
    tender: Tender | None
    previous: str | None = None  # ocid of the unsuccessful process this one replaces
    following: str | None = None  # ocid of the process that replaces this one


def project_processes(project: ServiceProject) -> list[Process]:
    """Return the project's contracting processes, oldest first.

    Reads ``project.public_tenders`` (the public tenders, by id, as
    ``portal.selectors.ocds_project_list`` prefetches them).
    """
    base = f"{ocid_prefix()}-{project.code}"
    tenders = list(project.public_tenders)
    if not tenders:
        return [Process(base, project, None)]
    ocids = [base] + [f"{base}-{t.code}" for t in tenders[1:]]
    return [
        Process(ocid, project, tender, previous=ocids[i - 1] if i else None,
                following=ocids[i + 1] if i + 1 < len(ocids) else None)
        for i, (ocid, tender) in enumerate(zip(ocids, tenders, strict=True))
    ]


# -- small values ---------------------------------------------------------------------------

def _money(amount) -> dict:
    """Return an OCDS Value: the amount as a JSON number (2 decimals survive float's repr)."""
    return {"amount": float(amount), "currency": "CNY"}


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _day(value: dt.date, *, end: bool = False) -> str:
    time = dt.time(23, 59, 59) if end else dt.time.min
    return dt.datetime.combine(value, time, tzinfo=timezone.get_default_timezone()).isoformat()


def _party_id(org) -> str:
    """The party id: the 统一社会信用代码, else the platform's own id."""
    return org.credit_code or f"org-{org.pk}"


def _ref(org) -> dict:
    return {"id": _party_id(org), "name": org.name}


def _party(org, *roles: str) -> dict:
    return {"id": _party_id(org), "name": org.name, "roles": list(roles)}


def _one(obj, name: str):
    """Return a reverse one-to-one row, or None when there is none."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


# -- releases -------------------------------------------------------------------------------

def process_releases(process: Process) -> list[dict]:
    """Return the releases of a contracting process, in date order."""
    project, tender = process.project, process.tender
    purchaser = project.purchaser
    releases = [_planning_release(process)]
    if tender is not None:
        releases += _tender_releases(process)
        award = _one(tender, "award") if tender.status == Tender.Status.AWARDED else None
        contract = _one(project, "contract")
        if award is not None:
            releases.append(_award_release(process, award))
            if (contract is not None and contract.award_id == award.pk
                    and contract.status in PUBLIC_CONTRACT_STATUSES):
                releases.append(_contract_release(process, contract))
                implementation = _implementation_release(process, contract)
                if implementation is not None:
                    releases.append(implementation)
    releases = [
        {"ocid": process.ocid, "id": r.pop("id"), "date": r.pop("date"), "tag": r.pop("tag"),
         "initiationType": "tender", "language": "zh", "buyer": _ref(purchaser)} | r
        for r in releases
    ]
    releases.sort(key=lambda r: r["date"])
    _cumulate_roles(releases)
    return releases


def _cumulate_roles(releases: list[dict]) -> None:
    """Give each party, in each release, every role it has held up to that release.

    The merge replaces arrays of strings, so a release naming the winner as supplier must also
    name it as tenderer, or the compiled record would forget that it bid.
    """
    roles: dict[str, list[str]] = {}
    for release in releases:
        for party in release["parties"]:
            held = roles.setdefault(party["id"], [])
            held.extend(r for r in party["roles"] if r not in held)
            party["roles"] = list(held)


def _planning_release(process: Process) -> dict:
    project = process.project
    commitment = _one(project, "budget_commitment")
    date = ((commitment.committed_at if commitment else None) or project.approved_at
            or project.submitted_at or project.created_at)
    amount = commitment.amount if commitment else project.budget_amount
    return {
        "id": f"{process.ocid}-planning",
        "date": _when(date),
        "tag": ["planning"],
        "parties": [_party(project.purchaser, "buyer")],
        "planning": {
            "rationale": project.objectives,
            "budget": {
                "id": f"{project.code}-{project.fiscal_year}",
                "description": (f"{project.fiscal_year}年度 "
                                f"{project.get_funding_source_display()}"),
                "amount": _money(amount),
                "project": project.title,
                "projectID": project.code,
            },
        },
    }


def _tender_releases(process: Process) -> list[dict]:
    project, tender = process.project, process.tender
    amendments = list(tender.amendments.all())
    tender_release_id = f"{process.ocid}-tender-{tender.code}-{tender.status}"
    first_deadline = amendments[0].old_deadline if amendments else tender.bid_deadline
    criteria = list(tender.criteria.all())
    section = {
        "id": tender.code,
        "title": tender.title,
        "status": TENDER_STATUS.get(tender.status, "active"),
        "procuringEntity": _ref(project.purchaser),
        "items": [
            {"id": str(d.pk), "description": f"{d.get_activity_type_display()}：{d.description}",
             "quantity": d.quantity, "unit": {"name": d.unit, "value": _money(d.unit_price)}}
            for d in project.deliverables.all()
        ],
        "value": _money(tender.budget_amount),
        "procurementMethod": PROCUREMENT_METHOD[tender.method],
        "procurementMethodDetails": str(tender.get_method_display()),
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA[tender.evaluation_method],
        "awardCriteriaDetails": "；".join(
            [str(tender.get_evaluation_method_display())]
            + [f"{c.name} {c.max_score.normalize():f}分" for c in criteria]),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _when(tender.published_at), "endDate": _when(first_deadline)},
    }
    if tender.eligibility:
        section["eligibilityCriteria"] = tender.eligibility
    release = {
        "id": tender_release_id,
        "date": _when(tender.published_at),
        "tag": ["tender"],
        "parties": [_party(project.purchaser, "buyer", "procuringEntity")],
        "tender": section,
    }
    related = []
    if process.previous:
        related.append({"id": process.previous, "relationship": ["unsuccessfulProcess"],
                        "scheme": "ocid", "identifier": process.previous})
    if process.following:
        related.append({"id": process.following, "relationship": ["replacementProcess"],
                        "scheme": "ocid", "identifier": process.following})
    if related:
        release["relatedProcesses"] = related
    releases = [release]
    for i, amendment in enumerate(amendments):
        release_id = f"{process.ocid}-amendment-{tender.code}-v{amendment.version}"
        releases.append({
            "id": release_id,
            "date": _when(amendment.published_at),
            "tag": ["tenderAmendment"],
            "parties": [_party(project.purchaser, "buyer", "procuringEntity")],
            "tender": {
                "id": tender.code,
                "tenderPeriod": {"endDate": _when(amendment.new_deadline)},
                "amendments": [_amendment(a, process, tender) for a in amendments[:i + 1]],
            },
        })
    if tender_is_opened(tender):
        releases.append(_opening_release(process))
    return releases


def _amendment(amendment, process: Process, tender: Tender) -> dict:
    earlier = (f"{process.ocid}-amendment-{tender.code}-v{amendment.version - 1}"
               if amendment.version > 2 else f"{process.ocid}-tender-{tender.code}-{tender.status}")
    return {
        "id": f"{tender.code}-v{amendment.version}",
        "date": _when(amendment.published_at),
        "description": amendment.content,
        "rationale": (f"{amendment.get_kind_display()}（"
                      + ("影响投标文件编制" if amendment.affects_bids else "不影响投标文件编制")
                      + "）"),
        "amendsReleaseID": earlier,
        "releaseID": f"{process.ocid}-amendment-{tender.code}-v{amendment.version}",
    }


def _opening_release(process: Process) -> dict:
    """The opening record (开标记录): bidders and prices, public from the opening on."""
    tender = process.tender
    bids = [b for b in tender.public_bids if b.status != Bid.Status.WITHDRAWN]
    orgs = []
    for bid in bids:
        if bid.organization not in orgs:
            orgs.append(bid.organization)
    release = {
        "id": f"{process.ocid}-opening-{tender.code}",
        "date": _when(tender.opened_at),
        "tag": ["tenderUpdate"],
        "parties": [_party(process.project.purchaser, "buyer", "procuringEntity")]
        + [_party(org, "tenderer") for org in orgs],
        "tender": {"id": tender.code, "tenderers": [_ref(org) for org in orgs],
                   "numberOfTenderers": len(orgs)},
    }
    if bids:
        release["bids"] = {"details": [
            {"id": f"{tender.code}-{bid.pk}", "date": _when(bid.submitted_at),
             "status": "disqualified" if bid.status == Bid.Status.DISQUALIFIED else "valid",
             "tenderers": [_ref(bid.organization)], "value": _money(bid.price)}
            for bid in bids
        ]}
    return release


def _award_release(process: Process, award) -> dict:
    supplier = award.bid.organization
    return {
        "id": f"{process.ocid}-award-{process.tender.code}",
        "date": _when(award.confirmed_at),
        "tag": ["award"],
        "parties": [_party(process.project.purchaser, "buyer", "procuringEntity"),
                    _party(supplier, "supplier")],
        "awards": [{
            "id": f"{process.tender.code}-award",
            "title": process.tender.title,
            "status": "active",
            "date": _when(award.confirmed_at),
            "value": _money(award.amount),
            "suppliers": [_ref(supplier)],
        }],
    }


def _contract_release(process: Process, contract: Contract) -> dict:
    signed = [d for d in (contract.purchaser_signed_at, contract.supplier_signed_at) if d]
    date_signed = max(signed) if signed else contract.created_at
    return {
        "id": f"{process.ocid}-contract-{contract.code}",
        "date": _when(date_signed),
        "tag": ["contract"],
        "parties": [_party(contract.purchaser, "buyer", "procuringEntity"),
                    _party(contract.supplier, "supplier")],
        "contracts": [{
            "id": contract.code,
            "awardID": f"{process.tender.code}-award",
            "title": process.project.title,
            "status": CONTRACT_STATUS[contract.status],
            "value": _money(contract.amount),
            "period": {"startDate": _day(contract.start_date),
                       "endDate": _day(contract.end_date, end=True)},
            "dateSigned": _when(date_signed),
            # The payment schedule (付款节点) agreed in the contract.
            "milestones": [_tranche_milestone(t) for t in contract.tranches.all()],
        }],
    }


TRANCHE_STATUS = {"paid": "met", "withheld": "notMet"}
REPORT_STATUS = {"accepted": "met", "returned": "notMet", "submitted": "scheduled"}


def _tranche_milestone(tranche) -> dict:
    milestone = {
        "id": f"tranche-{tranche.sequence}",
        "title": f"第{tranche.sequence}期拨付",
        "type": "payment",
        "description": (f"{tranche.get_condition_display()}拨付合同金额的"
                        f"{tranche.percent.normalize():f}%"),
        "status": TRANCHE_STATUS.get(tranche.status, "scheduled"),
    }
    payment = _one(tranche, "payment")
    if payment is not None:
        milestone["dateMet"] = _when(payment.paid_at)
    return milestone


def _implementation_release(process: Process, contract: Contract) -> dict | None:
    tranches = list(contract.tranches.all())
    payments = [(t, p) for t in tranches if (p := _one(t, "payment")) is not None]
    reports = list(contract.milestone_reports.all())
    if not payments and not reports:
        return None
    dates = [p.paid_at for _, p in payments]
    dates += [r.decided_at or r.submitted_at for r in reports]
    milestones = []
    for report in reports:
        milestone = {"id": f"report-{report.pk}", "title": str(report.get_kind_display()),
                     "type": "reporting", "status": REPORT_STATUS.get(report.status, "scheduled"),
                     "dateModified": _when(report.decided_at or report.submitted_at)}
        if report.status == "accepted" and report.decided_at:
            milestone["dateMet"] = _when(report.decided_at)
        milestones.append(milestone)
    parties = [_party(contract.purchaser, "buyer", "procuringEntity"),
               _party(contract.supplier, "supplier")]
    if payments:
        parties = [_party(contract.purchaser, "buyer", "procuringEntity", "payer"),
                   _party(contract.supplier, "supplier", "payee")]
    return {
        "id": f"{process.ocid}-implementation-{contract.code}-{len(payments)}-{len(reports)}",
        "date": _when(max(dates)),
        "tag": ["implementation"],
        "parties": parties,
        "contracts": [{
            "id": contract.code,
            "awardID": f"{process.tender.code}-award",
            "status": CONTRACT_STATUS[contract.status],
            "milestones": [_tranche_milestone(t) for t in tranches],
            "implementation": {
                "transactions": [
                    {"id": f"{contract.code}-{tranche.sequence}", "date": _when(payment.paid_at),
                     "value": _money(payment.amount), "payer": _ref(contract.purchaser),
                     "payee": _ref(contract.supplier)}
                    for tranche, payment in payments
                ],
                "milestones": milestones,
            },
        }],
    }


# -- compiled records -----------------------------------------------------------------------

def compile_release(releases: list[dict]) -> dict:
    """Merge a process's releases into its compiled release (OCDS merge, simplified).

    Releases are applied in date order; a later value replaces an earlier one. Objects merge
    field by field; arrays of objects that all have an ``id`` merge item by item on that id
    (``parties``, ``awards``, ``contracts``, ``amendments``, ``transactions``, ...); other
    arrays (``tag``, ``roles``) are replaced whole; a ``null`` removes the field. This is the
    OCDS merge routine without the versioned release and the "wholeListMerge" exceptions,
    which the platform's releases do not need.
    """
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled: dict = {}
    for release in ordered:
        _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    last = ordered[-1]
    head = {"ocid": last["ocid"], "id": f"{last['ocid']}-compiled-{last['date']}",
            "date": last["date"], "tag": ["compiled"]}
    return head | {k: v for k, v in compiled.items() if k not in head}


def _merge(target: dict, source: dict) -> None:
    for key, value in source.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            _merge(target[key], value)
        elif isinstance(value, list) and value and all(
                isinstance(item, dict) and "id" in item for item in value):
            existing = target.get(key) if isinstance(target.get(key), list) else []
            by_id = {item["id"]: item for item in existing if isinstance(item, dict)}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    copy: dict = {}
                    _merge(copy, item)
                    existing.append(copy)
                    by_id[item["id"]] = copy
            target[key] = existing
        elif isinstance(value, list):
            target[key] = [_copy(item) for item in value]
        else:
            target[key] = value


def _copy(value):
    if isinstance(value, dict):
        copy: dict = {}
        _merge(copy, value)
        return copy
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def record(process: Process) -> dict:
    """Return the record of a process: its releases (embedded) and compiled release."""
    releases = process_releases(process)
    return {"ocid": process.ocid, "releases": releases, "compiledRelease": compile_release(releases)}


# -- packages -------------------------------------------------------------------------------

def _package_head(uri: str, dates: list[str], extensions: bool) -> dict:
    ocds = settings.OCDS
    head = {
        "uri": uri,
        "version": OCDS_VERSION,
        # Generated on demand: the date of the last change to the contents (OCDS guidance).
        "publishedDate": max(dates) if dates else _when(timezone.now()),
        "publisher": {"name": ocds["PUBLISHER_NAME"]},
        "license": ocds["LICENSE"],
    }
    if ocds.get("PUBLISHER_URI"):
        head["publisher"]["uri"] = ocds["PUBLISHER_URI"]
    if extensions:
        head["extensions"] = [BID_EXTENSION]
    return head


def release_package(processes: list[Process], *, uri: str) -> dict:
    """Return a release package of every release of the processes."""
    with translation.override(DATA_LANGUAGE):
        releases = [r for p in processes for r in process_releases(p)]
    package = _package_head(uri, [r["date"] for r in releases], any("bids" in r for r in releases))
    package["releases"] = releases
    return package


def record_package(processes: list[Process], *, uri: str) -> dict:
    """Return a record package with one record (releases and compiled release) per process."""
    with translation.override(DATA_LANGUAGE):
        records = [record(p) for p in processes]
    releases = [r for rec in records for r in rec["releases"]]
    package = _package_head(uri, [r["date"] for r in releases], any("bids" in r for r in releases))
    package["records"] = records
    return package
