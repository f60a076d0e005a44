"""One answer to "may they?": relationship rules registered per app plus explicit object grants.

Every object question in the platform is asked as ``user.has_perm("<app>.<action>_<model>", obj)``
(or ``decide``/``require`` below when the reason is wanted). Two sources answer it:

* **Relationship rules.** Each app registers, in its ``permissions`` module, predicates
  ``(user, obj) -> Decision`` for permission names::

      @rule("procurement.view_bid")
      def can_view_bid(user, bid) -> Decision: ...

  Several rules may be registered for one name, by several apps: a higher app adds the
  relationships it owns (evaluation lets committee members read opened bids) without the lower app
  importing it. Any allowing rule allows; otherwise the first denial's reason is the answer.
  A rule is asked only about an object (``obj`` given) unless registered with
  ``model_level=True`` (a question about the user alone, e.g. "is a platform admin").
* **Relationship scopes.** Where a list must be filtered by the same relationship (the projects
  a user works on), the relationship is written once, as a ``Q`` builder registered with
  ``@scope("<perm>")``: list selectors filter with ``scope_q(user, perm)`` and the object
  question is derived from it (the object is allowed when it lies in the scope: one query).
* **Explicit grants** stored by django-guardian: a grant of ``<app>.<codename>`` on an object,
  to the user (``UserObjectPermission``) or to one of the user's groups
  (``GroupObjectPermission``, e.g. the group of an organization granted a contract), allows that
  permission on that object. Grants are written only by audited services; rules may also consult
  grants on related objects with ``has_grant``, and list selectors filter with ``granted_q``
  (a subquery, never a query per row): a grant that opens related objects to the grantee (a
  supervised project's tenders and contracts) is a scope built on ``granted_q``.

Superusers and platform admins get no blanket pass here: ``accounts.User.has_perm`` asks the
backends even for superusers when an object is given, and the rules decide. The permission modules
of every installed app are imported once at start-up (``autodiscover``), so a rule cannot be
missing because nothing imported its module.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.auth.backends import BaseBackend
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from core.exceptions import PermissionDenied
from core.permissions import Decision, allow, deny

Rule = Callable[..., Decision]

ScopeBuilder = Callable[..., Q | None]

_RULES: dict[str, list[Rule]] = defaultdict(list)
_MODEL_LEVEL: set[Rule] = set()
_SCOPES: dict[str, list[ScopeBuilder]] = defaultdict(list)
_GRANT_CACHE_ATTR = "_sanshe_object_grants"


def rule(*perms: str, model_level: bool = False, first: bool = False) -> Callable[[Rule], Rule]:
    """Register the decorated predicate as a relationship rule for each permission name.

    With ``model_level`` the rule is also asked without an object (``obj`` is None then).
    With ``first`` it is asked before the rules already registered: the rules are ORed, so the
    order changes only the cost (a rule answered from the object's own fields before a scope's
    query)."""

    def register(predicate: Rule) -> Rule:
        for perm in perms:
            if predicate not in _RULES[perm]:
                if first:
                    _RULES[perm].insert(0, predicate)
                else:
                    _RULES[perm].append(predicate)
        if model_level:
            _MODEL_LEVEL.add(predicate)
        return predicate

    return register


def scope(perm: str, *, reason=None) -> Callable[[ScopeBuilder], ScopeBuilder]:
    """Register a ``builder(user) -> Q | None`` as a relationship of perm, for lists and objects.

    Several apps may register builders for one name (ORed). The first registration also
    registers the derived rule: the object is allowed when it lies in the scope (one query).
    """

    def register(builder: ScopeBuilder) -> ScopeBuilder:
        if not _SCOPES[perm]:
            rule(perm)(_scope_rule(perm, reason))
        if builder not in _SCOPES[perm]:
            _SCOPES[perm].append(builder)
        return builder

    return register


def _scope_rule(perm: str, reason) -> Rule:
    def in_scope(user, obj) -> Decision:
        if obj is None or obj.pk is None:
            return deny(reason or _("您无权执行该操作。"))
        if type(obj)._base_manager.filter(scope_q(user, perm), pk=obj.pk).exists():
            return allow()
        return deny(reason or _("您无权执行该操作。"))

    in_scope.__name__ = in_scope.__qualname__ = f"in_scope[{perm}]"
    return in_scope


def scope_q(user, perm: str) -> Q:
    """Return the condition selecting the rows the user may perm (nothing for inactive users)."""
    nothing = Q(pk__in=[])
    if not _active(user):
        return nothing
    condition = nothing
    for builder in _SCOPES.get(perm, ()):
        part = builder(user)
        if part is not None:
            condition |= part
    return condition


def scoped(user, perm: str, queryset: QuerySet) -> QuerySet:
    """Return the rows of queryset the user may perm, without duplicates from joined scopes."""
    model = queryset.model
    condition = scope_q(user, perm)
    inner = model._base_manager.filter(condition)
    if sum(1 for count in inner.query.alias_refcount.values() if count) <= 1:
        # No join (every part on the row's own columns or a subquery): no duplicates to fear,
        # and the planner may walk the list's order index instead of reading a key list.
        return queryset.filter(condition)
    return queryset.filter(pk__in=inner.values("pk"))


def registered_rules(perm: str) -> list[Rule]:
    """Return the rules registered for perm (empty when none)."""
    return list(_RULES.get(perm, ()))


def registered_permissions() -> list[str]:
    """Return every permission name that has at least one rule, sorted."""
    return sorted(name for name, rules in _RULES.items() if rules)


def autodiscover() -> None:
    """Import every installed app's ``permissions`` module so that its rules are registered."""
    autodiscover_modules("permissions")


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _grant_key(obj) -> tuple[int, str]:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk, str(obj.pk)


def _grant_cache(user) -> dict:
    cache = getattr(user, _GRANT_CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _GRANT_CACHE_ATTR, cache)
    return cache


def grants_reset(user) -> None:
    """Forget the object grants cached on the user object (after a grant or revocation)."""
    if user is not None and hasattr(user, _GRANT_CACHE_ATTR):
        delattr(user, _GRANT_CACHE_ATTR)


def _grant_rows(user, content_type_id: int, pks):
    """Return one queryset of (object_pk, codename) over the user's own and group grants."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    own = UserObjectPermission.objects.filter(
        user_id=user.pk, content_type_id=content_type_id, object_pk__in=pks,
    ).values_list("object_pk", "permission__codename")
    by_group = GroupObjectPermission.objects.filter(
        group__user=user, content_type_id=content_type_id, object_pk__in=pks,
    ).values_list("object_pk", "permission__codename")
    return own.union(by_group)


def grants_prefetch(user, objects: Iterable) -> None:
    """Load the user's grants on all objects in one query, so has_grant in a loop asks no more."""
    objects = [o for o in objects if o is not None and o.pk is not None]
    if not _active(user) or not objects:
        return
    cache = _grant_cache(user)
    by_type: dict[int, set[str]] = defaultdict(set)
    for obj in objects:
        content_type_id, pk = _grant_key(obj)
        by_type[content_type_id].add(pk)
        cache.setdefault((content_type_id, pk), set())
    for content_type_id, pks in by_type.items():
        for pk, codename in _grant_rows(user, content_type_id, pks):
            cache[(content_type_id, pk)].add(codename)


def has_grant(user, perm: str, obj) -> bool:
    """Return whether an explicit guardian grant of perm on obj is stored for the user or a group."""
    if not _active(user) or obj is None or getattr(obj, "pk", None) is None:
        return False
    codename = perm.split(".", 1)[-1]
    key = _grant_key(obj)
    cache = _grant_cache(user)
    if key not in cache:
        cache[key] = {codename for _pk, codename in _grant_rows(user, key[0], [key[1]])}
    return codename in cache[key]


def granted_q(user, perm: str, model, field: str = "pk") -> Q:
    """Return a filter on ``field`` (a pk or a foreign key to model) for the user's grants of perm.

    Two subqueries, user and group grants, evaluated inside the caller's query: a list selector
    includes the granted objects without a query of its own, let alone one per row.
    """
    from guardian.models import GroupObjectPermission, UserObjectPermission

    if not _active(user):
        return Q(pk__in=[])
    app_label, codename = perm.split(".", 1)
    where = {
        "content_type__app_label": model._meta.app_label,
        "content_type__model": model._meta.model_name,
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
    }
    # guardian stores object_pk as text; cast it to the pk's type so PostgreSQL can compare.
    pk_field = model._meta.pk
    pk_field = pk_field.target_field if pk_field.is_relation else pk_field
    internal = pk_field.get_internal_type()
    output = (BigIntegerField() if internal.endswith(("AutoField", "IntegerField"))
              else pk_field.__class__())
    own = (UserObjectPermission.objects.filter(user_id=user.pk, **where)
           .annotate(granted_pk=Cast("object_pk", output_field=output)).values("granted_pk"))
    by_group = (GroupObjectPermission.objects.filter(group__user=user, **where)
                .annotate(granted_pk=Cast("object_pk", output_field=output)).values("granted_pk"))
    return Q(**{f"{field}__in": own}) | Q(**{f"{field}__in": by_group})


def decide(user, perm: str, obj=None) -> Decision:
    """Return whether user may perm on obj and, if not, why (rules first, then grants)."""
    if not _active(user):
        return deny(_("请先登录。"))
    denial = None
    for predicate in _RULES.get(perm, ()):
        if obj is None and predicate not in _MODEL_LEVEL:
            continue
        decision = predicate(user, obj)
        if decision:
            return allow()
        if denial is None:
            denial = decision
    if obj is not None and has_grant(user, perm, obj):
        return allow()
    return denial if denial is not None else deny(_("您无权执行该操作。"))


def require(user, perm: str, obj=None) -> None:
    """Raise PermissionDenied with the reason when user may not perm on obj."""
    decision = decide(user, perm, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


class RuleBackend(BaseBackend):
    """Answer ``user.has_perm`` from the registered rules and the guardian grants.

    Only permission names with a registered rule, or an object given (grants), are answered here;
    model-level permissions without a rule stay with Django's ModelBackend (the admin site).
    """

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if perm not in _RULES and obj is None:
            return False
        return bool(decide(user_obj, perm, obj))
