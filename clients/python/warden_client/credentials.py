"""Call credentials that carry a Warden credential and keep it fresh."""
import threading
import time

import grpc

from warden_client.pb import auth_pb2, auth_pb2_grpc


class SessionEndedError(Exception):
    """The session is gone (signed out, revoked, expired) and no password is known."""


class TokenAuth(grpc.AuthMetadataPlugin):
    """Signs in once (or uses an API key), attaches the credential to every call, refreshes the
    access token `refresh_margin` seconds before it expires, keeps the refresh token each answer
    returns (so a rotating session follows its rotation), signs in again when the session ended
    and the password is known, and never runs two refreshes at once.

    `auth_channel` is a plain channel to Warden for the sign-in and refresh calls themselves
    (not one that uses these credentials)."""

    def __init__(self, auth_channel=None, username=None, password=None, api_key=None,
                 refresh_margin=30, clock=time.time):
        if api_key is None and (auth_channel is None or username is None):
            raise ValueError("TokenAuth needs an api_key, or auth_channel and username")
        self._stub = auth_pb2_grpc.AuthServiceStub(auth_channel) if auth_channel else None
        self._username = username
        self._password = password
        self._api_key = api_key
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()  # held for the whole renewal: single flight
        self._access = None
        self._refresh = None
        self._expires_at = 0.0

    def call_credentials(self):
        return grpc.metadata_call_credentials(self, name="warden")

    def header(self):
        """The (key, value) metadata pair to send; raises SessionEndedError or grpc.RpcError."""
        if self._api_key is not None:
            return ("x-api-key", self._api_key)
        with self._lock:
            if self._access is None or self._clock() + self._margin >= self._expires_at:
                self._renew()
            return ("authorization", "Bearer " + self._access)

    def tokens(self):
        with self._lock:
            return {"access_token": self._access, "refresh_token": self._refresh,
                    "expires_at": self._expires_at}

    def _renew(self):
        now = self._clock()
        if self._refresh:
            try:
                answer = self._stub.RefreshToken(
                    auth_pb2.RefreshTokenRequest(refresh_token=self._refresh), timeout=10)
                self._access = answer.access_token
                self._refresh = answer.refresh_token or self._refresh  # a seed-era server
                self._expires_at = now + answer.expires_in
                return
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAUTHENTICATED:
                    if self._access is not None and now < self._expires_at:
                        return  # the server is away; the current token still works
                    raise
                if self._password is None:
                    raise SessionEndedError("the session has ended (signed out, revoked or "
                                            "expired); sign in again: " + error.details())
        if self._password is None:
            raise SessionEndedError("no session and no password to sign in with")
        request = auth_pb2.LoginRequest(username=self._username, password=self._password)
        # This client keeps RefreshTokenResponse.refresh_token, so it can take rotation.
        if hasattr(auth_pb2, "REFRESH_TOKEN_MODE_ROTATING"):
            request.refresh_token_mode = auth_pb2.REFRESH_TOKEN_MODE_ROTATING
        answer = self._stub.Login(request, timeout=30)
        self._access = answer.access_token
        self._refresh = answer.refresh_token
        self._expires_at = now + answer.expires_in

    def __call__(self, context, callback):
        # Health is public, and gRPC runs the channel's own client-side health check through
        # these credentials too: a failing credential must not mark every server unhealthy.
        if context.service_url.endswith("/grpc.health.v1.Health"):
            callback((), None)
            return
        try:
            callback((self.header(),), None)
        except Exception as error:  # noqa: BLE001 - gRPC turns it into the call's status
            callback((), error)
