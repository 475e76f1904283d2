// The search primitive shared by RecordSet::search and the ORM's internal lookups.
#pragma once

#include <optional>
#include <string>

#include "common/value.h"
#include "domain/domain.h"
#include "domain/resolve.h"
#include "domain/sql.h"
#include "orm/env.h"
#include "orm/recordset.h"

namespace autorules::orm {

// Resolves a domain for a model with the ORM's name lookup (child_of 'name').
domain::Resolved resolve_domain(const Env& env, const schema::Model& model,
                                const domain::Domain& domain);

// The SQL condition for `domain` on alias "t", with the active filter when `active_test` and
// the domain does not mention the model's active field.
domain::SqlCondition where_clause(const Env& env, const schema::Model& model,
                                  const domain::Domain& domain, bool active_test);

// Ids matching the domain, ordered and paginated.
common::IdList search_ids(const Env& env, const schema::Model& model, const domain::Domain& domain,
                          const SearchOptions& options, bool active_test);

}  // namespace autorules::orm
