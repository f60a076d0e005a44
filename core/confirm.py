"""Confirm before the irreversible, outside the workflow task pages (issue 8 item 2).

A view that performs an irreversible POST (withdraw a bid, delete a file, revoke a grant …) asks
``confirmation_page`` first, after authorizing and before calling its service: unless the request
is a POST carrying ``confirmed=1`` it answers the confirmation page (templates/office/confirm.html),
which names the consequence and posts the same data again with ``confirmed=1``. Nothing changes
before that, and it works without JavaScript. The task pages have their own (Step.confirm_message,
templates/workflows/task_confirm.html); this is the same look for the other pages. It lives in
core so that every app's views may use it (accounts comes before office in the import order).
"""

from django.template.response import TemplateResponse

CONFIRMED = "confirmed"
_NOT_REPOSTED = ("csrfmiddlewaretoken", CONFIRMED, "edit")


def is_confirmed(request) -> bool:
    """Return whether the request is the POST of a confirmation page."""
    return request.method == "POST" and request.POST.get(CONFIRMED) == "1"


def confirmation_page(request, *, title, consequence, action_label, cancel_url, facts=(),
                      entered=()) -> TemplateResponse | None:
    """Return the confirmation page for the action unless the request confirms it (then None).

    title: what is about to happen ("撤回投标文件"); consequence: what it means, in a sentence;
    action_label: the confirming button's label; cancel_url: where "返回" leads; facts and
    entered: (label, value) rows shown above the buttons (the object, what the user typed).
    The POST's fields are posted again with the confirmation (files cannot be: use it only for
    forms without uploads).
    """
    if is_confirmed(request):
        return None
    repost = []
    if request.method == "POST":
        repost = [(name, value) for name in request.POST for value in request.POST.getlist(name)
                  if name not in _NOT_REPOSTED]
    return TemplateResponse(request, "office/confirm.html", {
        "title": title, "consequence": consequence, "action_label": action_label,
        "cancel_url": cancel_url, "facts": list(facts), "entered": list(entered),
        "repost": repost, "action": request.get_full_path(),
    })


def entered_rows(form) -> list[tuple[str, object]]:
    """Return (label, value as typed or chosen) for each filled visible field of a valid form."""
    rows = []
    for bound in form.visible_fields():
        value = form.cleaned_data.get(bound.name)
        if value in (None, "", [], ()) or bound.name == "confirm":
            continue
        choices = getattr(bound.field, "choices", None)
        if choices is not None and not hasattr(bound.field, "queryset"):
            labels = dict(choices)
            value = ("、".join(str(labels.get(v, v)) for v in value)
                     if isinstance(value, list | tuple) else labels.get(value, value))
        rows.append((bound.label, value))
    return rows
