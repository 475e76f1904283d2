#include "orm/logging.h"

#include <cstdio>

#include "orm/recordset.h"

namespace autorules::orm {

void log_after_end(const Env& env, LogRow row) {
  common::Json vals = {{"name", row.name},
                       {"type", "server"},
                       {"level", row.level},
                       {"message", row.message},
                       {"path", row.path},
                       {"func", row.func.empty() ? "-" : row.func},
                       {"line", row.line.empty() ? "0" : row.line},
                       {"dbname", env.runtime().database().url()}};
  env.after_end([vals](Runtime& runtime) {
    Env e = Env::begin(runtime, kSuperuserId, store::Access::kWrite).sudo();
    e["ir.logging"].create(vals);
    e.commit();
  });
}

}  // namespace autorules::orm
