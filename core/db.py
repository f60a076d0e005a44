"""Hand-written statements for the few reads and writes run on nearly every request.

Django compiles a queryset's SQL on every run and PostgreSQL plans it on every run; for a
statement asked on every page (the signed-in user with the memberships, accounts.selectors) or
thousands of times in a deadline rush (the bid intake's insert, procurement.services.intake)
both cost as much as running it. The statements here are built once per process from the models
(names and types from their fields, every value a parameter), run through ``preparing_cursor``,
and turned back into model instances with the fields' own converters (``RowReader``), so a row
reads exactly as the ORM would read it.
"""

from django.db import connection


def preparing_cursor():
    """Return a cursor whose statements PostgreSQL prepares once per connection (psycopg's
    server-side binding; settings DB_PREPARED_STATEMENTS), wrapped as Django's own cursors are
    (execute wrappers, errors); Django's cursor elsewhere, and while queries are logged (DEBUG,
    a test counting them: a prepared statement leaves no text to log).

    Planned each time, the bid intake's insert cost as much as running it (about 0.2 ms of a
    0.45 ms statement); prepared it runs like a plain INSERT."""
    connection.ensure_connection()
    raw = connection.connection
    if (connection.vendor != "postgresql" or connection.queries_logged
            or getattr(raw, "prepare_threshold", None) is None):
        return connection.cursor()
    import psycopg

    connection.validate_thread_sharing()
    return connection.make_cursor(psycopg.Cursor(raw))


class RowReader:
    """Read one model's concrete fields from a slice of a row, as the ORM reads them.

    ``columns(alias)`` gives the select list (quoted, in field order); ``read(row, start)``
    returns the instance built from ``row[start:start + width]`` with each field's database
    converters applied (SQLite's datetimes and booleans, a JSONField), or None when its primary
    key is NULL (the missing side of a LEFT JOIN)."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self.pk_index = self.fields.index(model._meta.pk)
        self._converters = {}

    def columns(self, alias: str) -> str:
        q = connection.ops.quote_name
        return ", ".join(f"{alias}.{q(f.column)}" for f in self.fields)

    def _converters_for(self):
        key = connection.vendor
        if key not in self._converters:
            converters = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((index, col, found))
            self._converters[key] = converters
        return self._converters[key]

    def read(self, row, start: int = 0):
        values = row[start:start + self.width]
        if values[self.pk_index] is None:
            return None
        converters = self._converters_for()
        if converters:
            values = list(values)
            for index, col, found in converters:
                for converter in found:
                    values[index] = converter(values[index], col, connection)
        return self.model.from_db(connection.alias, self.names, values)


_READERS: dict = {}
_BY_PK: dict = {}  # (model, vendor) → SQL


def reader(model) -> RowReader:
    """Return the model's RowReader, made once per process."""
    if model not in _READERS:
        _READERS[model] = RowReader(model)
    return _READERS[model]


def key_value(model, pk):
    """Return pk as the model's primary key holds it, or None when it could name no row (not a
    value of its type, or beyond the column's range): a statement is never sent with it."""
    from django.core.exceptions import ValidationError

    field = model._meta.pk
    try:
        pk = field.to_python(pk)
    except ValidationError:
        return None
    if isinstance(pk, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and pk < low) or (high is not None and pk > high):
            return None
    return pk


def row_get(model, pk):
    """Return the model's row with this primary key, read with a prepared statement (all its
    concrete fields, as ``model._default_manager.get(pk=pk)`` reads it); ``model.DoesNotExist``
    when there is none, or when pk is not a value the key could hold (no database error)."""
    meta = model._meta
    pk = key_value(model, pk)
    if pk is None:
        raise model.DoesNotExist
    rows = reader(model)
    key = (model, connection.vendor)
    if key not in _BY_PK:
        q = connection.ops.quote_name
        _BY_PK[key] = (f"SELECT {rows.columns('t')} FROM {q(meta.db_table)} t "  # noqa: S608
                       f"WHERE t.{q(meta.pk.column)} = %s")
    with preparing_cursor() as cursor:
        cursor.execute(_BY_PK[key], [pk])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist
    return rows.read(row)
