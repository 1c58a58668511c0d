"""Verifies Warden access tokens inside another service, without a call to Warden per request.

Keys come from Warden's JWK Set (warden.v1.KeyService/GetJwks, or the HTTP
/.well-known/jwks.json), cached for the max-age Warden gives and fetched again at once, at most
every `min_refetch_interval`, when a token names an unknown key id (so forged tokens cannot make
the service hammer Warden). Each key's algorithm is pinned to what the JWK Set publishes (ES256
or EdDSA; "none" and HS* never verify). iss, aud, exp, nbf and iat are checked with leeway, and
typ must be at+jwt. A thread follows warden.v1.RevocationService/WatchRevocations, so a logout
is refused within about a second, and reconnects by itself when the stream breaks."""
import json
import threading
import time
import urllib.request

import grpc
import jwt

from warden_client.pb import keys_pb2, keys_pb2_grpc

_ALGORITHMS = {("EC", "P-256"): "ES256", ("OKP", "Ed25519"): "EdDSA"}


class InvalidToken(Exception):
    """The token is not a valid, unrevoked Warden access token (the message says why)."""


class TokenVerifier:
    def __init__(self, channel=None, jwks_url=None, issuer="warden", audience="warden",
                 leeway=30, min_refetch_interval=30, watch_revocations=True, clock=time.time):
        if channel is None and jwks_url is None:
            raise ValueError("TokenVerifier needs a channel to Warden or a jwks_url")
        self._keys_stub = keys_pb2_grpc.KeyServiceStub(channel) if channel is not None else None
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._min_refetch = min_refetch_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = {}  # kid -> (algorithm, key)
        self._fresh_until = 0.0
        self._last_fetch = float("-inf")
        self._revoked_sessions = {}  # sid -> expires_at
        self._revoked_tokens = {}  # jti -> expires_at
        self._stop = threading.Event()
        self._watch_channel = channel
        self.revocation_snapshots = 0  # how many snapshots the watch stream delivered
        self.fetches = 0
        self.refresh()
        self._watcher = None
        if watch_revocations and channel is not None:
            self._watcher = threading.Thread(target=self._watch, name="warden-revocations",
                                             daemon=True)
            self._watcher.start()

    # --- keys -------------------------------------------------------------------------------
    def refresh(self):
        """Fetches the JWK Set now; raises when Warden cannot be reached."""
        if self._keys_stub is not None:
            answer = self._keys_stub.GetJwks(keys_pb2.GetJwksRequest(), timeout=10)
            document, max_age = answer.jwks_json, answer.max_age_seconds or 300
        else:
            with urllib.request.urlopen(self._jwks_url, timeout=10) as response:
                document = response.read().decode()
                max_age = 300
                for part in (response.headers.get("Cache-Control") or "").split(","):
                    name, _, value = part.strip().partition("=")
                    if name == "max-age" and value.isdigit():
                        max_age = int(value)
        keys = {}
        for jwk in json.loads(document).get("keys", []):
            algorithm = _ALGORITHMS.get((jwk.get("kty"), jwk.get("crv")))
            if algorithm is None or jwk.get("alg", algorithm) != algorithm or "kid" not in jwk:
                continue  # a key type Warden does not sign with: never trusted
            keys[jwk["kid"]] = (algorithm, jwt.PyJWK(jwk, algorithm).key)
        with self._lock:
            self._keys = keys
            self._fresh_until = self._clock() + max_age
            self._last_fetch = self._clock()
            self.fetches += 1

    def _key(self, kid):
        with self._lock:
            found = self._keys.get(kid)
            stale = self._clock() >= self._fresh_until
            may_refetch = self._clock() - self._last_fetch >= self._min_refetch
        if (found is None or stale) and may_refetch:
            try:
                self.refresh()
            except (grpc.RpcError, OSError, ValueError):
                pass  # keep the keys we have; an unknown kid stays unknown
            with self._lock:
                found = self._keys.get(kid)
        return found

    # --- tokens -----------------------------------------------------------------------------
    def verify(self, token):
        """Returns the claims of a valid access token; raises InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken("malformed token: %s" % error) from None
        if header.get("typ") != "at+jwt":
            raise InvalidToken("not an access token (typ %r)" % header.get("typ"))
        found = self._key(header.get("kid"))
        if found is None:
            raise InvalidToken("unknown signing key %r" % header.get("kid"))
        algorithm, key = found
        try:
            claims = jwt.decode(token, key=key, algorithms=[algorithm], audience=self._audience,
                                issuer=self._issuer, leeway=self._leeway,
                                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        with self._lock:
            if claims.get("sid") in self._revoked_sessions or \
                    claims["jti"] in self._revoked_tokens:
                raise InvalidToken("token revoked")
        return claims

    # --- revocations ------------------------------------------------------------------------
    def revoked_count(self):
        with self._lock:
            return len(self._revoked_sessions) + len(self._revoked_tokens)

    def _apply(self, message):
        now = self._clock()
        with self._lock:
            if message.snapshot:
                self._revoked_sessions.clear()
                self._revoked_tokens.clear()
                self.revocation_snapshots += 1
            for entry in message.revocations:
                which = entry.WhichOneof("target")
                table = self._revoked_sessions if which == "session_id" else self._revoked_tokens
                table[getattr(entry, which)] = entry.expires_at
            for table in (self._revoked_sessions, self._revoked_tokens):
                for key in [k for k, expires in table.items() if expires and expires < now]:
                    del table[key]

    def _watch(self):
        stub = keys_pb2_grpc.RevocationServiceStub(self._watch_channel)
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._stream = stub.WatchRevocations(keys_pb2.WatchRevocationsRequest())
                for message in self._stream:
                    self._apply(message)
                    backoff = 0.1
            except grpc.RpcError:
                pass  # the server drained or went away: reconnect
            self._stop.wait(backoff)  # backoff before reconnecting, cut short by close()
            backoff = min(backoff * 2, 5.0)

    def close(self):
        self._stop.set()
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.cancel()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
