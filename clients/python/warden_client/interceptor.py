"""The seed's AuthInterceptor, done right: tokens verified locally by TokenVerifier, health and
reflection left public, the caller's claims available to the handler."""
import contextvars

import grpc

from warden_client.verifier import InvalidToken

_CLAIMS = contextvars.ContextVar("warden_claims", default=None)

PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                   "/grpc.reflection.v1.ServerReflection/")


def current_claims():
    """The verified claims of the call being handled (None on a public method)."""
    return _CLAIMS.get()


def _bearer(metadata):
    values = [v for k, v in metadata if k == "authorization"]
    if len(values) != 1:
        return None  # none, or ambiguous
    scheme, _, token = values[0].partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class AuthInterceptor(grpc.ServerInterceptor):
    """Refuses every call without a valid Warden access token (UNAUTHENTICATED), except methods
    under `public` prefixes; `roles` maps a full method name to the roles allowed to call it
    (PERMISSION_DENIED otherwise)."""

    def __init__(self, verifier, public=PUBLIC_PREFIXES, roles=None):
        self._verifier = verifier
        self._public = tuple(public)
        self._roles = dict(roles or {})

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None or details.method.startswith(self._public):
            return handler
        token = _bearer(details.invocation_metadata)
        try:
            if token is None:
                raise InvalidToken("missing bearer token")
            claims = self._verifier.verify(token)
        except InvalidToken as error:
            return _refusal(handler, grpc.StatusCode.UNAUTHENTICATED, str(error))
        allowed = self._roles.get(details.method)
        if allowed is not None and not set(allowed) & set(claims.get("roles", [])):
            return _refusal(handler, grpc.StatusCode.PERMISSION_DENIED,
                            "needs one of the roles " + ", ".join(sorted(allowed)))
        return _with_claims(handler, claims)


def _refusal(handler, code, message):
    def abort(request_or_iterator, context):
        context.abort(code, message)
    return _replace(handler, abort)


def _with_claims(handler, claims):
    def wrap(behaviour):
        if handler.response_streaming:
            def run_stream(request_or_iterator, context):  # the claims hold while it streams
                token = _CLAIMS.set(claims)
                try:
                    yield from behaviour(request_or_iterator, context)
                finally:
                    _CLAIMS.reset(token)
            return run_stream

        def run(request_or_iterator, context):
            token = _CLAIMS.set(claims)
            try:
                return behaviour(request_or_iterator, context)
            finally:
                _CLAIMS.reset(token)
        return run
    for name in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
        behaviour = getattr(handler, name)
        if behaviour is not None:
            return _replace(handler, wrap(behaviour))
    return handler


def _replace(handler, behaviour):
    kinds = {(False, False): grpc.unary_unary_rpc_method_handler,
             (False, True): grpc.unary_stream_rpc_method_handler,
             (True, False): grpc.stream_unary_rpc_method_handler,
             (True, True): grpc.stream_stream_rpc_method_handler}
    make = kinds[(handler.request_streaming, handler.response_streaming)]
    return make(behaviour, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
