#!/bin/sh
echo "bazel coverage is not supported offline in this repository" >&2
exit 1
