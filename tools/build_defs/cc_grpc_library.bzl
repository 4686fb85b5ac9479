"""cc_grpc_library: gRPC C++ stubs from a proto_library, with the system protoc and plugin.

Usage mirrors upstream gRPC's rule of the same name, so moving to upstream's rules is a change
of the `load` line only:

    proto_library(name = "greeter_proto", srcs = ["greeter.proto"])
    cc_proto_library(name = "greeter_cc_proto", deps = [":greeter_proto"])
    cc_grpc_library(
        name = "greeter_cc_grpc",
        srcs = [":greeter_proto"],
        deps = [":greeter_cc_proto"],
        grpc_only = True,
        generate_mocks = True,  # also greeter_mock.grpc.pb.h
    )
"""

def _import_path(src, proto_info):
    # The path protoc knows the file by: relative to the proto_library's import root.
    root = proto_info.proto_source_root
    path = src.path
    if root and root != "." and path.startswith(root + "/"):
        path = path[len(root) + 1:]
    return path

def _generate_grpc_cc_impl(ctx):
    proto_info = ctx.attr.srcs[0][ProtoInfo]
    outputs = []
    import_paths = []
    for src in proto_info.direct_sources:
        import_path = _import_path(src, proto_info)
        import_paths.append(import_path)
        stem = import_path[:-len(".proto")]

        # Outputs are declared relative to this package, so the proto must live in it.
        if not stem.startswith(ctx.label.package + "/") and ctx.label.package != "":
            fail("cc_grpc_library {} must be in the package of {}".format(ctx.label, src.path))
        rel = stem[len(ctx.label.package) + 1:] if ctx.label.package else stem
        outputs.append(ctx.actions.declare_file(rel + ".grpc.pb.h"))
        outputs.append(ctx.actions.declare_file(rel + ".grpc.pb.cc"))
        if ctx.attr.generate_mocks:
            outputs.append(ctx.actions.declare_file(rel + "_mock.grpc.pb.h"))

    # Everything protoc needs is in the descriptor sets proto_library already built, so the
    # action does not depend on how the .proto files are laid out on disk.
    descriptor_sets = proto_info.transitive_descriptor_sets.to_list()
    out_root = ctx.bin_dir.path
    if ctx.label.workspace_root:
        out_root += "/" + ctx.label.workspace_root
    args = ctx.actions.args()
    args.add("--plugin=protoc-gen-grpc=" + ctx.executable._plugin.path)
    args.add("--grpc_out=" + ("generate_mock_code=true:" if ctx.attr.generate_mocks else "") + out_root)
    args.add_joined("--descriptor_set_in", descriptor_sets, join_with = ":")
    args.add_all(import_paths)
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = descriptor_sets,
        tools = [ctx.executable._plugin],
        outputs = outputs,
        mnemonic = "GrpcCppGen",
        progress_message = "Generating gRPC C++ stubs for %s" % ctx.label,
    )
    headers = [f for f in outputs if f.extension == "h"]
    sources = [f for f in outputs if f.extension == "cc"]
    return [
        DefaultInfo(files = depset(outputs)),
        OutputGroupInfo(headers = depset(headers), sources = depset(sources)),
    ]

_generate_grpc_cc = rule(
    implementation = _generate_grpc_cc_impl,
    attrs = {
        "srcs": attr.label_list(providers = [ProtoInfo], mandatory = True),
        "generate_mocks": attr.bool(default = False),
        "_plugin": attr.label(
            default = "@system_libs//:bin/grpc_cpp_plugin",
            executable = True,
            cfg = "exec",
            allow_single_file = True,
        ),
        "_protoc": attr.label(
            default = "@com_google_protobuf//:protoc",
            executable = True,
            cfg = "exec",
        ),
    },
)

def cc_grpc_library(
        name,
        srcs,
        deps,
        grpc_only = True,
        generate_mocks = False,
        well_known_protos = False,
        **kwargs):
    """A cc_library with the gRPC service code generated from one proto_library.

    Args:
      name: the cc_library's name.
      srcs: a list with exactly one proto_library.
      deps: the cc_proto_library of the same proto_library (the messages).
      grpc_only: must be True: messages come from `deps`, as in upstream's recommended use.
      generate_mocks: also generate <file>_mock.grpc.pb.h with gMock stubs (MockXStub).
      well_known_protos: accepted for upstream compatibility; ignored.
      **kwargs: passed on to the cc_library (visibility, testonly, ...).
    """
    if len(srcs) != 1:
        fail("cc_grpc_library takes exactly one proto_library in srcs")
    if not grpc_only:
        fail("only grpc_only = True is supported: put the messages in a cc_proto_library")
    _ = well_known_protos
    codegen = name + "_codegen"
    _generate_grpc_cc(
        name = codegen,
        srcs = srcs,
        generate_mocks = generate_mocks,
        visibility = ["//visibility:private"],
        testonly = kwargs.get("testonly", False),
    )
    for group in ("headers", "sources"):
        native.filegroup(
            name = codegen + "_" + group,
            srcs = [":" + codegen],
            output_group = group,
            visibility = ["//visibility:private"],
            testonly = kwargs.get("testonly", False),
        )

    # Like upstream, the mock header is in this library but gMock is not a dependency: only
    # tests include it, and they depend on gMock themselves.
    native.cc_library(
        name = name,
        srcs = [":" + codegen + "_sources"],
        hdrs = [":" + codegen + "_headers"],
        deps = deps + ["//third_party:grpc"],
        **kwargs
    )
