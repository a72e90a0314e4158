from django.urls import path

from deliberation.consumers import DebateConsumer

websocket_urlpatterns = [
    path("ws/debates/<slug:slug>/", DebateConsumer.as_asgi()),
]
