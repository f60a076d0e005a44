"""core.db: rows read by hand-written, prepared statements read exactly as the ORM reads them.

The bid page reads its tender with core.db.row_get (procurement.selectors.tender_get_for_bid),
every signed-in request its user with the memberships (accounts.selectors.user_with_memberships);
both run on SQLite and, in CI's second pass, on PostgreSQL, where they are prepared.
"""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.http import Http404

from core import db
from procurement import selectors
from procurement.models import Bid, Tender
from tests.worlds import bids_submitted, tender_published


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_a_row_by_its_key_reads_every_field_as_the_orm_does(world):
    """Dates, times (aware), decimals, booleans and JSON (the required documents) alike."""
    tender = tender_published(world, required_documents=["投标函", "报价单"])
    bid = bids_submitted(world, tender)[0]
    for model, pk in ((Tender, tender.pk), (Bid, bid.pk)):
        read = db.row_get(model, pk)
        expected = model.objects.get(pk=pk)
        assert _values(read) == _values(expected)
        assert not read._state.adding and read._state.db == "default"
    assert db.row_get(Tender, tender.pk).required_documents == ["投标函", "报价单"]
    assert model_to_dict(db.row_get(Tender, str(tender.pk))) == model_to_dict(tender)


@pytest.mark.parametrize("pk", [0, -1, 2**63, 2**80, "abc", "", None, 10**6])
def test_a_key_that_names_no_row_is_does_not_exist_never_a_database_error(world, pk):
    tender_published(world)
    with pytest.raises(Tender.DoesNotExist):
        db.row_get(Tender, pk)


def test_the_bid_page_still_answers_404_for_a_tender_it_may_not_see(world):
    """The prepared read changes how the row is read, not who may read it."""
    published = tender_published(world)
    draft = tender_published(world)
    Tender.objects.filter(pk=draft.pk).update(status=Tender.Status.DRAFT)
    draft.refresh_from_db()
    staff = world.supplier_staff[0]
    assert selectors.tender_get_for_bid(user=staff, tender_id=published.pk) == published
    for tender_id in (draft.pk, 2**70, 10**6):
        with pytest.raises(Http404):
            selectors.tender_get_for_bid(user=staff, tender_id=tender_id)
    assert selectors.tender_get_for_bid(user=world.purchaser, tender_id=draft.pk) == draft


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="prepared statements are PostgreSQL's (CI's PostgreSQL pass)")
def test_the_reads_are_prepared_on_postgresql(world):
    from accounts.selectors import user_with_memberships

    tender = tender_published(world)
    for _ in range(3):
        db.row_get(Tender, tender.pk)
        user_with_memberships(world.supplier_staff[0].pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    # At least one each: psycopg prepares a statement per parameter types, and a key that
    # outgrew int2 in an earlier test on this connection is another one.
    assert any(s.startswith("SELECT") and '"procurement_tender"' in s for s in statements)
    assert any('"accounts_membership"' in s for s in statements)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="prepared statements are PostgreSQL's (CI's PostgreSQL pass)")
def test_nothing_is_prepared_when_the_setting_turns_it_off(world):
    """DB_PREPARED_STATEMENTS=0 (a pooler that cannot keep them) leaves psycopg's threshold
    unset, as Django does: the same reads then run unprepared. (A division: no page reads one
    by core.db, so no earlier test on this connection prepared its statement.)"""
    from accounts.models import Division

    division = world.purchaser_org.division
    connection.ensure_connection()
    raw = connection.connection
    saved, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        for _ in range(4):
            assert db.row_get(Division, division.pk) == division
    finally:
        raw.prepare_threshold = saved
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%"accounts_division"%'])
        assert cursor.fetchone()[0] == 0
    for _ in range(4):  # and with the threshold set (the default), it is
        db.row_get(Division, division.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%"accounts_division"%'])
        assert cursor.fetchone()[0] == 1
