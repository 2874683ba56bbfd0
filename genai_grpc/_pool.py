"""The private descriptor pool that holds every proto this project compiles.

googleapis-common-protos registers its own ``google/longrunning/operations.proto`` in the
default pool; registering ours there too fails with "duplicate file name" in either import
order. A private pool keeps both importable in one process while the messages stay
wire-compatible (same package, same gRPC method paths).
"""

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto

POOL = descriptor_pool.DescriptorPool()


def add_serialized_file(serialized: bytes) -> FileDescriptor:
    """Add one generated file to POOL, copying in the files it depends on first.

    Dependencies outside this project (well-known types, google.api, google.rpc) are copied
    from the default pool, where the generated module's own imports have just put them.
    """
    for dependency in FileDescriptorProto.FromString(serialized).dependency:
        _ensure(dependency)
    return POOL.AddSerializedFile(serialized)


def _ensure(name: str) -> None:
    try:
        POOL.FindFileByName(name)
        return
    except KeyError:
        pass
    default = descriptor_pool.Default().FindFileByName(name)
    for dependency in default.dependencies:
        _ensure(dependency.name)
    POOL.AddSerializedFile(default.serialized_pb)
