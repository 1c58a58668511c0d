"""The seed's protected service, in Python: examples/greeter/greeter.proto served with
warden_client.AuthInterceptor. Greet needs any valid Warden access token, AdminStats the admin
role; health stays public. A logout at Warden is refused here within about a second.

    python3 greeter_server.py --warden 127.0.0.1:50051 --listen 127.0.0.1:0

Prints "listening on HOST:PORT" once serving; stops on SIGTERM or SIGINT."""
import argparse
import os
import signal
import sys
import threading
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greeter_pb2  # noqa: E402
import greeter_pb2_grpc  # noqa: E402
from warden_client import AuthInterceptor, TokenVerifier, channel, current_claims  # noqa: E402
from warden_client.pb import health_pb2, health_pb2_grpc  # noqa: E402


class Greeter(greeter_pb2_grpc.GreeterServiceServicer):
    def __init__(self):
        self.greetings = 0
        self.lock = threading.Lock()

    def Greet(self, request, context):
        with self.lock:
            self.greetings += 1
        return greeter_pb2.GreetResponse(message="hello, %s" % current_claims()["username"])

    def AdminStats(self, request, context):
        with self.lock:
            return greeter_pb2.AdminStatsResponse(greetings=self.greetings)


class Health(health_pb2_grpc.HealthServicer):
    def Check(self, request, context):
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warden", default="127.0.0.1:50051", help="Warden's gRPC target")
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--issuer", default="warden")
    parser.add_argument("--audience", default="warden")
    args = parser.parse_args()

    verifier = TokenVerifier(channel(args.warden), issuer=args.issuer, audience=args.audience)
    interceptor = AuthInterceptor(
        verifier, roles={"/example.greeter.v1.GreeterService/AdminStats": ["admin"]})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[interceptor])
    greeter_pb2_grpc.add_GreeterServiceServicer_to_server(Greeter(), server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)
    port = server.add_insecure_port(args.listen)
    server.start()
    print("listening on %s:%d" % (args.listen.rsplit(":", 1)[0], port), flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=5).wait()
    verifier.close()


if __name__ == "__main__":
    main()
