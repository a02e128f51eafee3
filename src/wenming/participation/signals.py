"""The portal reacts to steps of a case: points for valid reports and confirmed support,
news for supporters, and a merged report's author counted as a supporter of the one kept."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from wenming.cases import services as cases
from wenming.notifications import services as notifications
from wenming.participation.models import Support
from wenming.participation.services import points


@receiver(post_save, sender=cases.CaseEvent, dispatch_uid="participation_case_event")
def on_case_event(sender, instance: cases.CaseEvent, created: bool, raw=False, **kwargs):
    if not created or raw:
        return
    event, case = instance, instance.case
    if case.source != cases.Source.CITIZEN:
        return
    if event.action == "register":
        # A valid report earns its reporter points, and so does each +1 on it.
        ref = f"case:{case.pk}"
        if case.reporter_id:
            points.award(case.reporter, "report_valid", ref, reason=_("Report %s accepted") % case.number, now=event.at)
        for support in Support.objects.filter(case=case).select_related("user"):
            points.award(
                support.user,
                "support_confirmed",
                ref,
                reason=_("Report %s you supported was accepted") % case.number,
                now=event.at,
            )
    elif event.action == "verify" and (event.data or {}).get("passed"):
        users = [s.user for s in Support.objects.filter(case=case).select_related("user")]
        notifications.send(
            users,
            "progress",
            _("A report you supported, %s, has been dealt with") % case.number,
            about=case,
            now=event.at,
        )
    elif event.action == "merge" and case.reporter_id and case.duplicate_of_id:
        if case.duplicate_of.reporter_id != case.reporter_id:  # one's own report needs no support
            Support.objects.bulk_create(
                [Support(case_id=case.duplicate_of_id, user_id=case.reporter_id, created_at=event.at)],
                ignore_conflicts=True,
            )
