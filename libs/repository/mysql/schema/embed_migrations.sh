#!/bin/bash
# Turns migrations/NNNN_name.sql files into a C++ source with a sorted table of
# {version, name, sql}, so the binary carries its schema and never looks files up at run time.
#
#   embed_migrations.sh OUT.cc migrations/0001_create_users.sql migrations/0002_...sql
set -euo pipefail

out="$1"
shift

{
  echo "// Generated from libs/repository/mysql/schema/migrations/*.sql; do not edit."
  echo '#include "libs/repository/mysql/schema/migrations.h"'
  echo
  echo "namespace auth::mysql_repository::internal {"
  echo
  echo "const Migration kEmbeddedMigrations[] = {"
} >"${out}"

previous=""
count=0
for file in $(for f in "$@"; do echo "$(basename "${f}") ${f}"; done | sort | cut -d' ' -f2); do
  base="$(basename "${file}")"
  if [[ ! "${base}" =~ ^([0-9]{4})_([a-z0-9_]+)\.sql$ ]]; then
    echo "embed_migrations: ${file}: name must look like 0001_create_users.sql" >&2
    exit 1
  fi
  version="$((10#${BASH_REMATCH[1]}))"
  name="${BASH_REMATCH[2]}"
  if [[ "${version}" == "${previous}" ]]; then
    echo "embed_migrations: two migrations have version ${version}" >&2
    exit 1
  fi
  if grep -q ')migration"' "${file}"; then
    echo "embed_migrations: ${file} contains the raw-string delimiter" >&2
    exit 1
  fi
  previous="${version}"
  count=$((count + 1))
  {
    echo "    {${version}, \"${name}\", R\"migration("
    cat "${file}"
    echo ")migration\"},"
  } >>"${out}"
done

if [[ "${count}" == 0 ]]; then
  echo "embed_migrations: no migrations given" >&2
  exit 1
fi

{
  echo "};"
  echo
  echo "const size_t kEmbeddedMigrationCount = ${count};"
  echo
  echo "}  // namespace auth::mysql_repository::internal"
} >>"${out}"
