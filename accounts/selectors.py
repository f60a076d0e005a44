"""Reads about users' roles and organizations, and about administrative divisions.

Role lookups cache the user's active memberships on the user object
(``user._sanshe_memberships``) so that a request asks the database once, however many checks it
makes. Services that change memberships clear that cache with ``user_memberships_reset``.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import Division, Membership, Organization, OrganizationIdentityChange
from accounts.roles import Role

_CACHE_ATTR = "_sanshe_memberships"


def user_memberships(user) -> list[Membership]:
    """Return the user's active memberships with their organizations, cached on the user."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user_id=user.pk, is_active=True).select_related(
                "organization"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


_SIGNED_IN: dict[str, tuple] = {}  # vendor → (SQL, user reader, membership reader, organization)


def _signed_in_sql():
    """Return the statement of user_with_memberships and its three row readers, built from the
    models once per process (core.db)."""
    from django.db import connection

    from accounts.models import User
    from core.db import reader

    if connection.vendor not in _SIGNED_IN:
        q = connection.ops.quote_name
        users, members, orgs = reader(User), reader(Membership), reader(Organization)
        member = Membership._meta
        user_col = q(member.get_field("user").column)
        org_col = q(member.get_field("organization").column)
        active_col = q(member.get_field("is_active").column)
        # Names come from the models, the values are parameters.
        sql = (f"SELECT {users.columns('u')}, {members.columns('m')}, {orgs.columns('o')} "  # noqa: S608
               f"FROM {q(User._meta.db_table)} u "
               f"LEFT JOIN {q(member.db_table)} m ON m.{user_col} = u.{q(User._meta.pk.column)}"
               f" AND m.{active_col} = %s "
               f"LEFT JOIN {q(Organization._meta.db_table)} o"
               f" ON o.{q(Organization._meta.pk.column)} = m.{org_col} "
               f"WHERE u.{q(User._meta.pk.column)} = %s ORDER BY m.{q(member.pk.column)}")
        _SIGNED_IN[connection.vendor] = sql, users, members, orgs
    return _SIGNED_IN[connection.vendor]


def user_with_memberships(user_id):
    """Return the user with this id, its active memberships and their organizations already
    cached (user_memberships), read in one statement; None when there is no such user.

    Every signed-in request loads its user (the session's backend, accounts.backends) and nearly
    every one then asks the user's roles: one round trip instead of two, prepared on PostgreSQL
    (core.db). The memberships are those user_memberships reads, their user the one returned."""
    from accounts.models import User
    from core.db import key_value, preparing_cursor

    user_id = key_value(User, user_id)
    if user_id is None:
        return None
    sql, users, members, orgs = _signed_in_sql()
    with preparing_cursor() as cursor:
        cursor.execute(sql, [True, user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    user = users.read(rows[0])
    user_field, org_field = (Membership._meta.get_field(name) for name in ("user", "organization"))
    memberships = []
    for row in rows:
        membership = members.read(row, users.width)
        if membership is None:  # no active membership: the join's one row of NULLs
            continue
        user_field.set_cached_value(membership, user)
        org_field.set_cached_value(membership, orgs.read(row, users.width + members.width))
        memberships.append(membership)
    setattr(user, _CACHE_ATTR, memberships)
    return user


def user_memberships_set(user, memberships) -> None:
    """Cache memberships for the user: an API token narrows them to its organization, and every
    rule of the request reads only those (bid intake relies on it: procurement.services.intake)."""
    setattr(user, _CACHE_ATTR, list(memberships))


def user_memberships_cached(user) -> list[Membership] | None:
    """Return the memberships already cached on the user (read, or narrowed by an API token),
    or None when this request has not read them yet."""
    return getattr(user, _CACHE_ATTR, None)


def user_memberships_reset(user) -> None:
    """Forget the memberships cached on the user object."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles(user) -> set[str]:
    """Return the roles of the user's active memberships (a superuser without one has none)."""
    return {m.role for m in user_memberships(user)}


def user_organizations(user, role: str | None = None) -> QuerySet[Organization]:
    """Return the organizations in which the user has an active membership (with role, if given)."""
    ids = {
        m.organization_id
        for m in user_memberships(user)
        if m.organization_id is not None and (role is None or m.role == role)
    }
    return Organization.objects.filter(pk__in=ids)


def user_has_role(user, role: str, organization: Organization | None = None) -> bool:
    """Return whether the user holds role, in organization when one is given."""
    return any(
        m.role == role and (organization is None or m.organization_id == organization.pk)
        for m in user_memberships(user)
    )


def is_platform_admin(user) -> bool:
    """Return whether the user is a superuser or holds the platform admin role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or user_has_role(user, Role.ADMIN)


def division_descendants(division: Division, *, include_self: bool = True) -> list[int]:
    """Return the ids of the division's descendants (and itself) in one query.

    Divisions are at most four levels deep (市/区县/街道/社区), so three parent hops reach all.
    """
    condition = Q(parent_id=division.pk) | Q(parent__parent_id=division.pk) | Q(
        parent__parent__parent_id=division.pk
    )
    if include_self:
        condition |= Q(pk=division.pk)
    return list(Division.objects.filter(condition).values_list("pk", flat=True))


def organization_members(organization: Organization | None, role: str) -> QuerySet:
    """Return the active users holding an active membership of role in organization."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if organization is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role=role,
        memberships__is_active=True,
    ).distinct()


def platform_admins() -> QuerySet:
    """Return the active platform admins: superusers and holders of an active admin membership."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(memberships__role=Role.ADMIN, memberships__is_active=True),
        is_active=True,
    ).distinct()


def identity_change_list_for_user(*, user) -> QuerySet:
    """Return the identity-change requests the user may read: all for platform admins, else
    those of the organizations the user manages."""
    rows = OrganizationIdentityChange.objects.select_related(
        "organization", "requested_by", "reviewed_by")
    if is_platform_admin(user):
        return rows
    return rows.filter(organization_id__in=[o.pk for o in identity_organizations_for_user(
        user=user)])


def identity_organizations_for_user(*, user) -> list[Organization]:
    """Return the organizations whose identity change the user may request (its managers)."""
    seen, found = set(), []
    for membership in user_memberships(user):
        organization = membership.organization
        if organization is not None and organization.pk not in seen and user.has_perm("accounts.request_organizationidentitychange",
                                                         organization):
            seen.add(organization.pk)
            found.append(organization)
    return found


# Supplier registry ----------------------------------------------------------------------------

@dataclass
class RegistryStatus:
    """An organization's standing in the supplier registry on a day (see registry_status_for)."""

    organization_id: int
    on: date
    is_active: bool = True
    rating: str = ""  # current 评估等级 (1A–5A) or ""
    rating_valid_until: date | None = None
    inspection: object = None  # the latest AnnualInspection concluded by ``on``, or None
    qualification_kinds: set = field(default_factory=set)  # kinds valid on ``on``
    listings: list = field(default_factory=list)  # CreditListings excluding on ``on``

    @property
    def inspection_barred(self) -> bool:
        from accounts.models import AnnualInspection

        return self.inspection is not None and self.inspection.result in AnnualInspection.BARRING

    @property
    def excluded(self) -> bool:
        return bool(self.listings)

    @property
    def eligible(self) -> bool:
        """Whether the organization may take part in procurement at all (法22, 条例19)."""
        return self.is_active and not self.excluded and not self.inspection_barred

    def reasons(self) -> list[str]:
        """Return why the organization may not bid, about itself only (empty when eligible)."""
        from django.utils.translation import gettext

        reasons = []
        if not self.is_active:
            reasons.append(gettext("本机构在平台登记为无效状态，不能参加政府采购活动。"))
        for listing in self.listings:
            until = (listing.excluded_until.isoformat() if listing.excluded_until
                     else gettext("移出名单之日"))
            reasons.append(
                gettext("本机构被列入%(kind)s（%(decision)s，来源：%(source)s），%(start)s至%(until)s"
                        "不得参加政府采购活动（政府采购法第二十二条、财库〔2016〕125号）。") % {
                    "kind": listing.get_kind_display(), "decision": listing.decision,
                    "source": listing.get_source_display(),
                    "start": listing.excluded_from.isoformat(), "until": until})
        if self.inspection_barred:
            reasons.append(
                gettext("本机构%(year)d年度年检/年报结论为“%(result)s”，不具备参加政府采购活动的资格条件。")
                % {"year": self.inspection.year, "result": self.inspection.get_result_display()})
        return reasons


def registry_status_for(organization_ids, *, on: date) -> dict[int, RegistryStatus]:
    """Return each organization's registry standing on day ``on``, in five queries however many.

    Rating: the latest rated by ``on`` whose validity covers it. Inspection: the latest year
    concluded by ``on``. Qualifications: those valid on ``on``. Listings: those excluding on ``on``.
    """
    from accounts.models import AnnualInspection, CreditListing, OrganizationRating, Qualification

    ids = list(dict.fromkeys(organization_ids))
    found = {pk: RegistryStatus(organization_id=pk, on=on, is_active=active)
             for pk, active in Organization.objects.filter(pk__in=ids)
             .values_list("pk", "is_active")}
    for rating in (OrganizationRating.objects.filter(organization_id__in=ids, rated_on__lte=on,
                                                     valid_until__gte=on)
                   .order_by("organization_id", "rated_on", "id")):
        status = found[rating.organization_id]
        status.rating, status.rating_valid_until = rating.grade, rating.valid_until
    for inspection in (AnnualInspection.objects.filter(organization_id__in=ids,
                                                       concluded_on__lte=on)
                       .order_by("organization_id", "year", "id")):
        found[inspection.organization_id].inspection = inspection
    for qualification in Qualification.objects.filter(organization_id__in=ids, valid_from__lte=on):
        if qualification.valid_on(on):
            found[qualification.organization_id].qualification_kinds.add(qualification.kind)
    for listing in CreditListing.objects.filter(organization_id__in=ids, excluded_from__lte=on):
        if listing.excludes_on(on):
            found[listing.organization_id].listings.append(listing)
    return found


def organization_registry_status(organization: Organization, *, on: date) -> RegistryStatus:
    """Return one organization's registry standing on day ``on``."""
    return registry_status_for([organization.pk], on=on)[organization.pk]


def registry_organizations_for_user(*, user) -> QuerySet[Organization]:
    """Return the registry's organizations (social organizations) the user may read: all for
    platform admins, else those the user manages."""
    rows = Organization.objects.filter(kind=Organization.Kind.SOCIAL_ORG).select_related(
        "division").order_by("name")
    if is_platform_admin(user):
        return rows
    return rows.filter(pk__in=[m.organization_id for m in user_memberships(user)
                               if m.role == Role.SOCIAL_ORG and m.organization_id])


def registry_records(organization: Organization) -> dict:
    """Return the organization's registry rows, newest first (four queries)."""
    return {
        "ratings": list(organization.ratings.select_related("recorded_by")),
        "inspections": list(organization.annual_inspections.select_related("recorded_by")),
        "qualifications": list(organization.qualifications.select_related("recorded_by")),
        "listings": list(organization.credit_listings.select_related("recorded_by")),
    }
