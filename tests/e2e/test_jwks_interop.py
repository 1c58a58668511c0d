"""Interop: an independent JWT implementation (PyJWT with cryptography, from Debian) verifies
Warden's access tokens using only what Warden publishes over HTTP: the discovery document and
the JWKS. Also checks the HTTP contract (Cache-Control shorter than the key overlap)."""
import json
import os
import sys
import unittest
import urllib.request

import grpc
import jwt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE_DIR, ServerTest, generate_stubs  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "proto"), ["auth.proto"])
import auth_pb2 as pb2  # noqa: E402
import auth_pb2_grpc as pb2_grpc  # noqa: E402


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


class JwksInteropTest(ServerTest):
    def login(self, algorithm_args=()):
        self.start(*algorithm_args)
        with grpc.insecure_channel(self.server.address) as channel:
            stub = pb2_grpc.AuthServiceStub(channel)
            stub.Register(pb2.RegisterRequest(username="interop", email="i@example.com",
                                              password="s3cret-pass"))
            return stub.Login(pb2.LoginRequest(username="interop", password="s3cret-pass"))

    def verify_with_pyjwt(self, token, expected_alg):
        base = "http://127.0.0.1:%d" % self.server.http_port
        status, headers, body = fetch(base + "/.well-known/openid-configuration")
        self.assertEqual(status, 200)
        discovery = json.loads(body)
        self.assertEqual(discovery["issuer"], "warden")
        self.assertEqual(discovery["jwks_uri"], base + "/.well-known/jwks.json")
        self.assertIn(expected_alg, discovery["id_token_signing_alg_values_supported"])

        status, headers, body = fetch(discovery["jwks_uri"])
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/jwk-set+json"))
        max_age = int(headers["Cache-Control"].split("max-age=")[1])
        self.assertGreater(max_age, 0)
        self.assertLessEqual(max_age, 300)
        jwks = json.loads(body)
        for key in jwks["keys"]:
            self.assertNotIn("d", key, "private key material published")

        client = jwt.PyJWKClient(discovery["jwks_uri"])
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=[expected_alg], audience="warden",
                            issuer="warden", options={"require": ["exp", "iat", "nbf", "sub"]})
        self.assertEqual(claims["username"], "interop")
        self.assertEqual(jwt.get_unverified_header(token)["typ"], "at+jwt")
        # A tampered token must fail the independent check too.
        head, payload, sig = token.split(".")
        tampered = ".".join([head, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1],
                             sig])
        with self.assertRaises(jwt.InvalidTokenError):
            jwt.decode(tampered, signing_key.key, algorithms=[expected_alg], audience="warden")

    def test_pyjwt_verifies_es256_tokens_through_the_published_jwks(self):
        login = self.login()
        self.verify_with_pyjwt(login.access_token, "ES256")

    def test_pyjwt_verifies_eddsa_tokens_through_the_published_jwks(self):
        login = self.login(("--jwt-algorithm", "EdDSA"))
        self.verify_with_pyjwt(login.access_token, "EdDSA")

    def test_probes_over_http(self):
        self.start()
        base = "http://127.0.0.1:%d" % self.server.http_port
        self.assertEqual(fetch(base + "/healthz")[0], 200)
        status, _, body = fetch(base + "/readyz")
        self.assertEqual((status, body), (200, b"SERVING\n"))
        with self.assertRaises(urllib.error.HTTPError) as err:
            fetch(base + "/nope")
        self.assertEqual(err.exception.code, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
