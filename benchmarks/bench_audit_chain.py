"""Audit log: append 2,000 hash-chained rows, then verify the whole chain.

core.audit.audit_record locks the chain head row and hashes the new row over the previous hash,
so an append must cost the same at row 2,000 as at row 1 (it reads the head, never the chain).
core.audit.verify_chain walks every row once. Targets: the last 200 of 2,000 appends take < 1.5×
the first 200; verifying costs < 0.5× appending, per row. Also printed: 200 appends with a
commit each, which on SQLite measures the disk's fsync rather than the chain.

    .venv/bin/python benchmarks/bench_audit_chain.py [--strict] [--keep]
"""

import time

import _common

ROWS = 2000
WINDOW = 200
TARGET_APPEND_DRIFT = 1.5
TARGET_VERIFY_RATIO = 0.5


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    from decimal import Decimal

    from django.db import transaction

    from accounts.models import User
    from core.audit import audit_record, verify_chain
    from core.models import AuditEntry

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    actor = User.objects.create(username="bench_auditor", real_name="审计基准")
    target = User.objects.create(username="bench_target", real_name="被记录对象")
    def append(index: int) -> float:
        started = time.perf_counter()
        audit_record(actor=actor, action="benchmark.append", target=target,
                     before={"status": "draft", "amount": Decimal("199999.99"), "step": index},
                     after={"status": "submitted", "amount": Decimal("200000.00"), "step": index + 1,
                            "comment": "项目回应居民需求，同意立项。"})
        return time.perf_counter() - started

    # The chain logic: ROWS appends inside one transaction (as many services' rows in one commit).
    with transaction.atomic():
        durations = [append(index) for index in range(ROWS)]
    append_s = sum(durations)
    drift = sum(durations[-WINDOW:]) / sum(durations[:WINDOW])
    # The commit cost on this disk: WINDOW appends, each its own transaction (SQLite autocommit).
    started = time.perf_counter()
    for index in range(WINDOW):
        append(ROWS + index)
    committed_s = time.perf_counter() - started

    total = AuditEntry.objects.count()
    started = time.perf_counter()
    ok, bad_id, reason = verify_chain()
    verify_s = time.perf_counter() - started
    if not ok:
        raise SystemExit(f"verify_chain failed at row {bad_id}: {reason}")
    # Same number of rows on both sides of the ratio.
    verify_ratio = (verify_s / total) / (append_s / ROWS)

    misses = []
    if drift >= TARGET_APPEND_DRIFT:
        misses.append("append drift")
    if verify_ratio >= TARGET_VERIFY_RATIO:
        misses.append("verify / append")
    print(f"append: {ROWS} rows in one transaction in {append_s:.2f} s ({ROWS / append_s:.0f} rows/s)")
    print(f"append rows {ROWS - WINDOW + 1}-{ROWS} / rows 1-{WINDOW}: {drift:.2f} × "
          f"(target < {TARGET_APPEND_DRIFT:g} ×) {_common.verdict(drift < TARGET_APPEND_DRIFT)}")
    per_row = append_s / ROWS
    print(f"append with a commit each: {WINDOW} rows in {committed_s:.2f} s "
          f"({WINDOW / committed_s:.0f} rows/s, {committed_s / WINDOW / per_row:.1f} × a row in one "
          f"transaction: the disk's fsync, informational)")
    print(f"verify_chain: {total} rows in {verify_s:.2f} s ({total / verify_s:.0f} rows/s), result ok")
    print(f"verify / append per row: {verify_ratio:.2f} × (target < {TARGET_VERIFY_RATIO:g} ×) "
          f"{_common.verdict(verify_ratio < TARGET_VERIFY_RATIO)}")
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
