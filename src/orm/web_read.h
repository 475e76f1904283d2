// The web client's reads, as Odoo 17+ serves them: web_read follows a field specification
// ({"partner_id": {"fields": {"display_name": {}}}, "tag_ids": {"fields": {"name": {}},
// "limit": 40, "order": "name"}}) into related records, and web_search_read searches then reads
// with one, answering {"length", "records"}.
#pragma once

#include <optional>
#include <string>

#include "common/json.h"
#include "domain/domain.h"
#include "orm/recordset.h"

namespace autorules::orm {

// How deep a specification may nest, and how many fields it may name in all.
inline constexpr int kMaxSpecificationDepth = 8;
inline constexpr std::size_t kMaxSpecificationFields = 1000;

// ValueError for a specification that is not an object of objects or is too deep or large.
common::Json web_read(const RecordSet& records, const common::Json& specification);

common::Json web_search_read(const RecordSet& model, const domain::Domain& domain,
                             const common::Json& specification, const SearchOptions& options,
                             std::optional<std::int64_t> count_limit);

}  // namespace autorules::orm
