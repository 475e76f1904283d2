// Reading records from the store in batches: typed column values, x2many id lists, display
// names, existence, and values at the end of a dotted path. Ids are sent in chunks so that any
// number of records can be read.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/value.h"
#include "orm/env.h"
#include "schema/model.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Value;

inline constexpr size_t kIdChunk = 500;

// "?, ?, ?" for n parameters.
std::string placeholders(size_t n);
// Calls fn(chunk) for consecutive chunks of at most kIdChunk ids.
void for_chunks(const IdList& ids, const std::function<void(const IdList&)>& fn);
void append_ids(std::vector<Value>& params, const IdList& ids);

// Values of column `fields` (stored, with a column) per record id, in the order of `fields`.
std::unordered_map<Id, std::vector<Value>> fetch_columns(
    const Env& env, const schema::Model& model, const std::vector<const schema::Field*>& fields,
    const IdList& ids);

// Linked ids per record for an x2many field, in the comodel's order.
std::unordered_map<Id, IdList> fetch_x2many(const Env& env, const schema::Model& model,
                                            const schema::Field& field, const IdList& ids);

// Display names per record id.
std::unordered_map<Id, std::string> fetch_display_names(const Env& env, const schema::Model& model,
                                                        const IdList& ids);

// The ids among `ids` that exist, in the order given.
IdList existing_ids(const Env& env, const schema::Model& model, const IdList& ids);

// The raw value at the end of `path` for each record (the first linked record when a segment is
// an x2many, as Odoo's related fields do), in the order of `ids`.
std::vector<Value> read_path(const Env& env, const schema::Model& model, const IdList& ids,
                             const std::string& path);

// The raw value of one field for each record (ids for relations, display names for
// display_name), in the order of `ids`.
std::vector<Value> read_field(const Env& env, const schema::Model& model,
                              const schema::Field& field, const IdList& ids);

// ORDER BY text (without the keywords) for an order specification such as "name desc, id";
// ValueError for an unknown field or direction.
std::string order_by_sql(const Env& env, const schema::Model& model, std::string_view order,
                         std::string_view alias);

}  // namespace autorules::orm
