"""cc_fuzzer: a libFuzzer target, built for fuzzing under --config=fuzz.

    cc_fuzzer(
        name = "phc_string_fuzzer",
        srcs = ["phc_string_fuzzer.cc"],  # defines LLVMFuzzerTestOneInput
        deps = ["//libs/hashing:phc_string"],
    )

Under --config=fuzz (clang; see .bazelrc) the binary links libFuzzer's main. Under any other
configuration it links //tools/fuzz:replay_main instead, which runs the input files named on its
command line once each: handy to reproduce a crash under gcc or a debugger. The seed corpus lives
in corpus/<name>/ beside the BUILD file; tools/fuzz/run_fuzzers.sh finds targets by the "fuzzer"
tag. Targets are "manual", so `bazel test //...` and `bazel build //...` leave them alone.
"""

def cc_fuzzer(name, srcs, deps = [], tags = [], **kwargs):
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//tools/fuzz:libfuzzer": [],
            "//conditions:default": ["//tools/fuzz:replay_main"],
        }),
        linkopts = select({
            "//tools/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = tags + ["fuzzer", "manual"],
        testonly = True,
        **kwargs
    )
