"""Server-rendered pages. Thin: ask rules, call selectors or services, render."""

from django.shortcuts import render

from deliberation.selectors import debate_list_for


def home(request):
    debates = debate_list_for(user=request.user)
    return render(request, "deliberation/home.html", {"debates": debates})
