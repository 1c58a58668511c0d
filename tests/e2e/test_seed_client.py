"""The seed's flow, unchanged, from a Python client generated from the seed's own auth.proto
(tools/buf/seed/auth.proto: no refresh_token = 4), against the real wardend binary."""
import os
import sys
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE_DIR, ServerTest, generate_stubs  # noqa: E402

generate_stubs(os.path.join(SOURCE_DIR, "tools/buf/seed"), ["auth.proto"])
import auth_pb2 as seed_pb2  # noqa: E402
import auth_pb2_grpc as seed_grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402


class SeedClientTest(ServerTest):
    def test_seed_flow_with_stubs_from_the_seeds_proto(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            reg = stub.Register(seed_pb2.RegisterRequest(
                username="alice", email="alice@example.com", password="s3cret-pass",
                full_name="Alice"))
            self.assertEqual(len(reg.user_id), 36)
            login = stub.Login(seed_pb2.LoginRequest(username="alice", password="s3cret-pass"))
            self.assertEqual(login.token_type, "Bearer")
            self.assertEqual(login.expires_in, 900)
            auth = [("authorization", "Bearer " + login.access_token)]
            info = stub.ValidateToken(empty_pb2.Empty(), metadata=auth)
            self.assertEqual(info.username, "alice")
            self.assertEqual(info.user_id, reg.user_id)
            self.assertEqual(list(info.roles), ["user"])
            refreshed = stub.RefreshToken(
                seed_pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertEqual(refreshed.token_type, "Bearer")
            new_auth = [("authorization", "Bearer " + refreshed.access_token)]
            self.assertEqual(stub.ValidateToken(empty_pb2.Empty(), metadata=new_auth).username,
                             "alice")
            stub.Logout(empty_pb2.Empty(), metadata=new_auth)
            with self.assertRaises(grpc.RpcError) as err:
                stub.ValidateToken(empty_pb2.Empty(), metadata=new_auth)
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_the_seeds_refresh_loop_works_for_the_life_of_the_session(self):
        # The seed's client keeps the login's refresh token (its proto has no field 4) and
        # refreshes whenever the access token is about to expire. With a grace window of 0 s every
        # refresh is past it, which is what broke the second refresh before.
        self.start("--refresh-reuse-grace-seconds", "0")
        with grpc.insecure_channel(self.server.address) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            stub.Register(seed_pb2.RegisterRequest(
                username="sam", email="sam@example.com", password="s3cret-pass"))
            login = stub.Login(seed_pb2.LoginRequest(username="sam", password="s3cret-pass"))
            access = login.access_token
            for i in range(5):
                refreshed = stub.RefreshToken(
                    seed_pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
                self.assertEqual(refreshed.token_type, "Bearer", i)
                # The access token in use stays valid until it expires; the new one works.
                for token in (access, refreshed.access_token):
                    info = stub.ValidateToken(empty_pb2.Empty(), metadata=(
                        ("authorization", "Bearer " + token),))
                    self.assertEqual(info.username, "sam")
                access = refreshed.access_token
            # Logout ends the session: its refresh token with it.
            stub.Logout(empty_pb2.Empty(), metadata=(("authorization", "Bearer " + access),))
            with self.assertRaises(grpc.RpcError) as err:
                stub.RefreshToken(seed_pb2.RefreshTokenRequest(refresh_token=login.refresh_token))
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_errors_are_clear_statuses(self):
        self.start()
        with grpc.insecure_channel(self.server.address) as channel:
            stub = seed_grpc.AuthServiceStub(channel)
            with self.assertRaises(grpc.RpcError) as err:
                stub.Register(seed_pb2.RegisterRequest(username="x", email="x@example.com",
                                                       password="s3cret-pass"))
            self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("username", err.exception.details())
            with self.assertRaises(grpc.RpcError) as err:
                stub.ValidateToken(empty_pb2.Empty())
            self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            raw = channel.unary_unary("/auth.AuthService/Register")
            with self.assertRaises(grpc.RpcError) as err:
                raw(b"\xff\xff\xff")
            self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)



if __name__ == "__main__":
    unittest.main(verbosity=2)
