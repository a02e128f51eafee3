"""The back office's home page: the cards every app declares (core.shell), those the person may see."""

from django.shortcuts import render
from django.template.loader import render_to_string

from wenming.core.shell import declared
from wenming.org.access import requires


@requires("office.view_dashboard")
def dashboard(request):
    cards = []
    for card in declared("CARDS"):
        if not request.user.has_perm(card.permission):
            continue
        context = card.context(request)
        if context is not None:
            cards.append(render_to_string(card.template, context, request=request))
    return render(request, "office/dashboard.html", {"cards": cards})
