// Grouped reads, as Odoo's: the records matching a domain put in groups by the values of some
// fields ("stage_id", "date_deadline:month", "tag_ids", "create_date:day_of_week") with
// aggregates per group ("__count", "expected_revenue:sum", "partner_id:count_distinct"),
// filtered on aggregates (having), ordered and paginated, in one SQL statement.
//
// Two answers are built on the same query: Odoo 19's formatted_read_group (a dict per group,
// keys the groupby and aggregate specifications, and the "__extra_domain" selecting the group's
// records) and the older read_group(domain, fields, groupby, ..., lazy) that integrations
// written for Odoo 16-18 call ("__domain", "<field>_count", "__range", "__context").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "domain/domain.h"
#include "orm/recordset.h"

namespace autorules::orm {

struct GroupQuery {
  domain::Domain domain;
  std::vector<std::string> groupby;             // "field" or "field:granularity"
  std::vector<std::string> aggregates;          // "__count" or "field:function"
  common::Json having = common::Json::array();  // a domain whose "fields" are aggregates
  std::int64_t offset = 0;
  std::optional<std::int64_t> limit;
  std::string order;  // groupby and aggregate specifications; "" = the groupby, in order
};

// The largest number of groupby or aggregate specifications in one query.
inline constexpr std::size_t kMaxGroupSpecs = 32;

// Odoo's _read_group: one row per group, the groupby values then the aggregate values, raw
// (a many2one as its id, a period as the "YYYY-MM-DD" text of its start, false when empty).
// Checks read access to the model and to every field named; ValueError for a specification
// that does not exist or does not apply to its field.
std::vector<std::vector<common::Json>> read_group_rows(const RecordSet& records,
                                                       const GroupQuery& query);

// Odoo 19's formatted_read_group.
common::Json formatted_read_group(const RecordSet& records, const GroupQuery& query);

// The read_group of Odoo 16-18: `fields` as "name", "name:function" or
// "alias:function(name)"; a date grouped by month when it has no granularity; lazy groups by
// the first groupby only.
struct LegacyGroupQuery {
  domain::Domain domain;
  std::vector<std::string> fields;
  std::vector<std::string> groupby;
  std::int64_t offset = 0;
  std::optional<std::int64_t> limit;
  std::string orderby;
  bool lazy = true;
};
common::Json read_group(const RecordSet& records, const LegacyGroupQuery& query);

}  // namespace autorules::orm
