// Compilation of a resolved domain to an SQL condition on a model's table, for searches.
// Dotted paths and any/not any become IN / EXISTS sub-queries, child_of/parent_of recursive
// sub-queries; values are bound parameters, never spliced into the text.
#pragma once

#include <string>
#include <vector>

#include "domain/resolve.h"
#include "store/dialect.h"

namespace autorules::domain {

struct SqlCondition {
  std::string sql;  // e.g. "("t"."state" = ? AND "t"."amount" > ?)"; "1=1" for TRUE
  std::vector<Value> params;
};

// `alias` is how the model's table is named in the enclosing query (e.g. "t" in
// `SELECT ... FROM "res_partner" AS "t" WHERE <condition>`).
SqlCondition to_sql(const Resolved& domain, const schema::Registry& registry,
                    const store::Dialect& dialect, std::string_view alias);

}  // namespace autorules::domain
