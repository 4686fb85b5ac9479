"""Repository rules that expose Debian's system libraries and tools to Bazel, offline.

Nothing here downloads: every flag is read from the installed packages at repository time,
through pkg-config where the package ships a .pc file, so a Debian update that changes a
library's dependencies (abseil's long list, for instance) needs no edit here.
"""

# Each entry becomes one cc_library in @system_libs. Keys:
#   modules:   pkg-config modules whose --cflags/--libs define the target.
#   linkopts:  extra link flags for libraries that ship no .pc file (or parts that .pc omits).
#   include:   a non-standard header directory, linked into the repository and added to the
#              include path of dependants (only BoringSSL needs one: it must shadow OpenSSL).
#   libdir:    a non-standard library directory, baked into the binary as its run path.
_LIBRARIES = {
    "absl": {"modules": [
        "absl_base",
        "absl_cleanup",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_hash",
        "absl_random_random",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
    ]},
    "argon2": {"modules": ["libargon2"]},
    # Boost.Beast and Boost.Asio (header-only in Boost 1.74), for the HTTP front.
    "boost_beast": {"linkopts": ["-lpthread"]},
    "boringssl_crypto": {
        "include": "/usr/include/android",
        "libdir": "/usr/lib/x86_64-linux-gnu/android",
        "linkopts": ["/usr/lib/x86_64-linux-gnu/android/libcrypto.so"],
    },
    # civetweb (no .pc file): only the HTTP library comparison (tools/http_bench) names it.
    "civetweb": {"linkopts": ["-lcivetweb", "-lpthread"]},
    # libcurl (OpenSSL flavour, libcurl4-openssl-dev): its SMTP client sends the mails
    # (libs/mail:smtp_mail_sender).
    "curl": {"modules": ["libcurl"]},
    # libcbor (libcbor-dev): the CBOR of WebAuthn attestation objects and COSE keys
    # (libs/webauthn:cbor).
    "cbor": {"modules": ["libcbor"]},
    "glog": {"modules": ["libglog"]},
    "gmock": {"modules": ["gmock"]},
    "gmock_main": {"modules": ["gmock_main"]},
    "grpc": {"modules": ["grpc++"]},
    "grpc_reflection": {"modules": ["grpc++"], "linkopts": ["-lgrpc++_reflection"]},
    "gtest": {"modules": ["gtest"]},
    "mysqlcppconn": {"linkopts": ["-lmysqlcppconn"]},
    "nlohmann_json": {"modules": ["nlohmann_json"]},
    "openssl_crypto": {"modules": ["libcrypto"]},
    # TLS for the HTTP front (Asio's ssl streams); gRPC links the same OpenSSL.
    "openssl_ssl": {"modules": ["libssl", "libcrypto"]},
    # The metrics registry (core) and its HTTP exposer (pull, civetweb).
    "prometheus": {"modules": ["prometheus-cpp-core", "prometheus-cpp-pull"]},
    "protobuf": {"modules": ["protobuf"]},
    # QR codes (libqrencode-dev): the TOTP enrolment's QR code as SVG (libs/otp:qr_svg).
    "qrencode": {"modules": ["libqrencode"]},
}

_DEFAULT_INCLUDES = ("/usr/include", "/usr/include/x86_64-linux-gnu")

def _pkg_config(rctx, flag, modules):
    result = rctx.execute(["pkg-config", flag] + modules)
    if result.return_code != 0:
        fail("pkg-config {} {} failed (run tools/setup.sh first): {}".format(
            flag,
            " ".join(modules),
            result.stderr,
        ))
    return [f for f in result.stdout.replace("\n", " ").split(" ") if f]

def _dedupe(flags):
    seen = {}
    out = []
    for f in flags:
        if f not in seen:
            seen[f] = True
            out.append(f)
    return out

def _library_target(rctx, name, spec):
    defines = []
    linkopts = []
    modules = spec.get("modules", [])
    if modules:
        for flag in _pkg_config(rctx, "--cflags", modules):
            if flag.startswith("-D"):
                defines.append(flag[2:])
            # The compiler searches both of these anyway (the second is Debian's multiarch
            # directory, where libcurl's .pc points).
            elif flag.startswith("-I") and flag[2:] not in _DEFAULT_INCLUDES:
                fail("{}: include directory {} is not supported; add it as 'include'".format(name, flag))
        linkopts = _pkg_config(rctx, "--libs", modules)
    linkopts = _dedupe(linkopts + spec.get("linkopts", []))
    hdrs = "[]"
    includes = "[]"
    if "include" in spec:
        rctx.symlink(spec["include"], name + "/include")
        hdrs = 'glob(["{}/include/**"])'.format(name)
        includes = '["{}/include"]'.format(name)
    if "libdir" in spec:
        linkopts.append("-Wl,-rpath," + spec["libdir"])
    return """
cc_library(
    name = "{name}",
    hdrs = {hdrs},
    defines = {defines},
    includes = {includes},
    linkopts = {linkopts},
)
""".format(
        name = name,
        hdrs = hdrs,
        defines = repr(_dedupe(defines)),
        includes = includes,
        linkopts = repr(linkopts),
    )

def _system_libs_impl(rctx):
    build = [
        "# Generated by //third_party:system_libs.bzl from pkg-config; do not edit.",
        'package(default_visibility = ["//visibility:public"])',
    ]
    for name in sorted(_LIBRARIES.keys()):
        build.append(_library_target(rctx, name, _LIBRARIES[name]))

    plugin = rctx.which("grpc_cpp_plugin")
    if plugin == None:
        fail("grpc_cpp_plugin not found (package protobuf-compiler-grpc; run tools/setup.sh)")
    rctx.symlink(plugin, "bin/grpc_cpp_plugin")
    build.append('exports_files(["bin/grpc_cpp_plugin"])')
    rctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(rctx.name))
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")

system_libs = repository_rule(
    implementation = _system_libs_impl,
    doc = "cc_library targets for Debian's system libraries, with flags from pkg-config.",
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)

def _system_protobuf_impl(rctx):
    protoc = rctx.which("protoc")
    if protoc == None:
        fail("protoc not found (package protobuf-compiler; run tools/setup.sh)")
    rctx.symlink(protoc, "bin/protoc")
    linkopts = _pkg_config(rctx, "--libs", ["protobuf"])
    rctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(rctx.name))
    rctx.file("BUILD.bazel", """# Generated by //third_party:system_libs.bzl; do not edit.
# Stands in for @com_google_protobuf: the system protoc and libprotobuf, which is all that
# Bazel's native proto_library and cc_proto_library look for.
package(default_visibility = ["//visibility:public"])

sh_binary(
    name = "protoc",
    srcs = ["bin/protoc"],
)

cc_library(
    name = "protobuf",
    linkopts = {linkopts},
)

proto_lang_toolchain(
    name = "cc_toolchain",
    command_line = "--cpp_out=$(OUT)",
    runtime = ":protobuf",
)
""".format(linkopts = repr(linkopts)))

system_protobuf = repository_rule(
    implementation = _system_protobuf_impl,
    doc = "@com_google_protobuf made of the system protoc and libprotobuf.",
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
