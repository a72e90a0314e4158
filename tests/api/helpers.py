"""Helpers shared by the API tests."""

from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def iso(moment) -> str:
    return DateTimeField().to_representation(moment)
