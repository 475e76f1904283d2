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

// The pragmas the writer connection runs (also used by the bare benchmark to compare like with
// like), for a `synchronous` setting of "full", "normal" or "off".
std::string connection_pragmas(const std::string& synchronous = "full");

}  // namespace autorules::store::sqlite
