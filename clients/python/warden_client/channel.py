"""A gRPC channel to Warden that balances, health-checks and retries the way the C++ client
stack does (docs/client.md)."""
import json

import grpc

# Retried on UNAVAILABLE: the calls that are safe to run twice. RefreshToken is: within the
# reuse grace a retry of a just-rotated token gets the same successor (ADR 0017).
_RETRY = {"maxAttempts": 3, "initialBackoff": "0.05s", "maxBackoff": "1s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}

SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    # A replica that drains (NOT_SERVING) gets no new calls.
    "healthCheckConfig": {"serviceName": "auth.AuthService"},
    "methodConfig": [
        {"name": [{"service": "auth.AuthService", "method": "ValidateToken"},
                  {"service": "auth.AuthService", "method": "RefreshToken"},
                  {"service": "grpc.health.v1.Health", "method": "Check"},
                  {"service": "warden.v1.KeyService"}],
         "retryPolicy": _RETRY, "timeout": "5s"},
        {"name": [{"service": "auth.AuthService", "method": "Login"},
                  {"service": "auth.AuthService", "method": "Register"}],
         "timeout": "10s"},
    ],
    # gRFC A6: retries stop while more than half of 100 tokens are gone (each failure takes
    # one, each success gives 0.1), so a failing service never sees 3x its load.
    "retryThrottling": {"maxTokens": 100, "tokenRatio": 0.1},
}

_OPTIONS = [
    ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
    ("grpc.enable_retries", 1),
    ("grpc.keepalive_time_ms", 60000),  # the server accepts one ping a minute
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


def channel(target, credentials=None, call_credentials=None, options=()):
    """Returns a channel to `target`: "dns:///name:port" (every address, round robin),
    "dns://dns-server:port/name:port", "ipv4:a:p,b:p" or "host:port".

    `credentials` are channel credentials (grpc.ssl_channel_credentials(...)); without them the
    channel is plaintext, or, when `call_credentials` are given, grpc.local_channel_credentials()
    (plaintext too, but gRPC only sends call credentials on a channel it considers secure: use
    that for loopback and mesh sidecars only)."""
    merged = _OPTIONS + list(options)
    if call_credentials is not None:
        base = credentials or grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        return grpc.secure_channel(target, grpc.composite_channel_credentials(
            base, call_credentials), options=merged)
    if credentials is not None:
        return grpc.secure_channel(target, credentials, options=merged)
    return grpc.insecure_channel(target, options=merged)
