"""The generated protobuf and gRPC modules of Warden's API, made at build time by protoc and
grpc_python_plugin (CMake target warden_python_client) into warden_client/_generated. The
generated modules import each other by top-level name, so their directory joins sys.path."""
import os
import sys

_GENERATED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_generated")
if not os.path.isdir(_GENERATED):
    raise ImportError("warden_client's generated stubs are missing: build the CMake target "
                      "warden_python_client (it writes %s)" % _GENERATED)
if _GENERATED not in sys.path:
    sys.path.insert(0, _GENERATED)

import auth_pb2  # noqa: E402,F401
import auth_pb2_grpc  # noqa: E402,F401
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402,F401
from warden.v1 import keys_pb2, keys_pb2_grpc  # noqa: E402,F401
