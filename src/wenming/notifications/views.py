"""The back office's notification centre: a person's notifications, newest first, and marking them read."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from wenming.notifications import services
from wenming.org.access import back_office

PAGE_SIZE = 50


@back_office
def inbox(request):
    if request.method == "POST":
        services.mark_read(request.user, request.POST.getlist("ids") or None)
        return redirect("notifications:inbox")
    page = Paginator(services.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})
