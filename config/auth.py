def axes_username(request, credentials):
    """The username django-axes counts failures for. allauth authenticates with
    ``username=``, while its form posts the field as ``login``: read both.

    allauth logs in case-insensitively (``LOCKTEST`` is ``locktest``), so the
    failures are counted for the name folded to lower case: otherwise each
    spelling would have a budget of its own, and a locked-out name would log
    in under another spelling."""
    if credentials and credentials.get("username"):
        username = credentials["username"]
    else:
        username = request.POST.get("login", "") if request is not None else ""
    return str(username).strip().lower()
