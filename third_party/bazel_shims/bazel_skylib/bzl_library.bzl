"""Offline stand-in for bazel_skylib's bzl_library: a filegroup of .bzl files is all we need."""

def bzl_library(name, srcs = [], deps = [], **kwargs):
    native.filegroup(name = name, srcs = srcs + deps, **kwargs)
