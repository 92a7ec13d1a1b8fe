from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: people join through a CQI lead's invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
