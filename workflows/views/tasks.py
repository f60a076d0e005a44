"""The human-task page: authorize, show the step's form, call its service, complete the task."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from viewflow.workflow.models import Task

from core.exceptions import ServiceError
from workflows.nodes import TASK_PERMISSION
from workflows.services import task_complete
from workflows.views.steps import step_for


def task_get_for_user(user, task_pk: int) -> Task:
    """Return the task if the user may do it now; 404 for missing, finished or forbidden tasks."""
    task = Task.objects.select_related("process").filter(pk=task_pk).first()
    if task is None or task.flow_task is None or not user.has_perm(TASK_PERMISSION, task):
        raise Http404(_("没有找到该待办。"))
    try:
        step_for(task)
    except KeyError as exc:
        raise Http404(_("没有找到该待办。")) from exc
    return task


def _entered(form) -> list[tuple[str, object]]:
    """Return (label, value as shown) for each field the user filled, for the confirmation page."""
    rows = []
    ignored = set(getattr(form, "fields_not_in_use", list)())
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in ignored:
            continue
        # A plain choice shows its label (booleans, dates and amounts are left to the page's
        # |shown filter); a model choice already is the row, and its choices would be a query.
        plain_choice = (isinstance(field, forms.ChoiceField)
                        and not isinstance(field, forms.ModelChoiceField))
        if isinstance(value, list | tuple | QuerySet):
            # Several choices (checkboxes, a multiple select): their labels, "、" between.
            labels = dict(field.choices) if plain_choice else {}
            value = "、".join(str(labels.get(v, v)) for v in value)
        elif plain_choice and value not in (None, ""):
            value = dict(field.choices).get(value, value)
        if value is None or value is False or value == "":  # 0 (a price weight) is shown
            continue
        rows.append((field.label, value))
    # Tables of rows (office.formsets) the submission uses: one line per row; the rows go back
    # in the re-post.
    for formset in getattr(form, "formsets", {}).values():
        lines = formset.entered_lines() if formset.checked else []
        if lines:
            rows.append((formset.title, "\n".join(lines)))
    return rows


class TaskView(LoginRequiredMixin, View):
    """Show a human task's page; on POST call the step's service and complete the task."""

    template_name = "workflows/task.html"

    def render(self, request, step, form, status=200):
        # A step with a page of its own (the expert's scoring page) names its template.
        template = getattr(step, "template_name", None) or self.template_name
        return TemplateResponse(request, template, {
            "task": step.task, "step": step, "form": form,
            "title": step.task.flow_task.task_title, "summary": step.summary(),
        }, status=status)

    def get(self, request, task_pk):
        task = task_get_for_user(request.user, task_pk)
        step = step_for(task)(task=task, user=request.user)
        return self.render(request, step, step.make_form())

    def post(self, request, task_pk):
        task = task_get_for_user(request.user, task_pk)
        step = step_for(task)(task=task, user=request.user)
        form = step.make_form(data=request.POST)
        if not form.is_valid() or "edit" in request.POST:
            return self.render(request, step, form)
        consequence = step.confirmation(form)
        if consequence and request.POST.get("confirmed") != "1":
            # Irreversible: show what was entered and its consequence; nothing changes until the
            # user confirms on this page (the same data posted again with confirmed=1).
            template = step.confirm_template_name or "workflows/task_confirm.html"
            return TemplateResponse(request, template, {
                "task": step.task, "step": step, "form": form,
                "title": step.task.flow_task.task_title, "summary": step.summary(),
                "consequence": consequence, "confirm_label": step.confirm_label(form),
                "entered": _entered(form),
                "repost": [(k, v) for k in request.POST for v in request.POST.getlist(k)
                           if k not in ("csrfmiddlewaretoken", "confirmed", "edit")],
            })
        flow_class = task.flow_task.flow_class
        try:
            with transaction.atomic(), flow_class.lock(task.process_id):
                task.refresh_from_db()
                if not request.user.has_perm(TASK_PERMISSION, task):
                    raise Http404(_("没有找到该待办。"))
                step = step_for(task)(task=task, user=request.user)
                # A step returns False when its task stays open for someone else (a tranche
                # approved by one finance officer waits for another to pay it).
                done = step.perform(form.cleaned_data, form=form) is not False
                if done:
                    task_complete(task=task, actor=request.user, request=request)
        except ServiceError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.render(request, step, form)
        if not done:
            messages.success(request, step.pending_message)
            return redirect("home")
        messages.success(request, _("已办理：%(title)s") % {"title": task.flow_task.task_title})
        return redirect("home")
