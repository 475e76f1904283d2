// The SQLite backend: WAL mode, one writer connection (callers queue on a mutex), a pool of
// reader connections that see the last committed state, prepared statements cached per
// connection, and a busy timeout for other processes sharing the file.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace autorules::store::sqlite {

// `path` is a file path or ":memory:" (then readers share the writer's connection).
std::unique_ptr<Database> open(const std::string& path, const DatabaseOptions& options);

// The pragmas every connection runs (also used by the bare benchmark to compare like with like).
const char* connection_pragmas();

}  // namespace autorules::store::sqlite
