def axes_username(request, credentials):
    """The username django-axes counts failures for. allauth authenticates with
    ``username=``, while its form posts the field as ``login``: read both."""
    if credentials and credentials.get("username"):
        return credentials["username"]
    return request.POST.get("login", "") if request is not None else ""
