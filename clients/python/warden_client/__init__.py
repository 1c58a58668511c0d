"""Warden's Python client: for services that call Warden and for services that trust its tokens.

    channel(target)            a gRPC channel: dns:/// + round_robin + health checks + retries
    TokenAuth(...)             call credentials that sign in (or use an API key) and refresh
    TokenVerifier(...)         verifies Warden access tokens locally (JWKS + revocation stream)
    AuthInterceptor(...)       a grpc.ServerInterceptor built on TokenVerifier

Built on Debian's python3-grpcio, python3-jwt and python3-cryptography. The generated stubs
(auth_pb2, ...) are in warden_client.pb.
"""
from warden_client.channel import SERVICE_CONFIG, channel
from warden_client.credentials import SessionEndedError, TokenAuth
from warden_client.interceptor import AuthInterceptor, current_claims
from warden_client.verifier import InvalidToken, TokenVerifier

__all__ = ["SERVICE_CONFIG", "channel", "TokenAuth", "SessionEndedError", "TokenVerifier",
           "InvalidToken", "AuthInterceptor", "current_claims"]
