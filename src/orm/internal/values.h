// Values given by a caller for create/write, checked and converted: column values typed for
// their field, x2many values as parsed command lists. Nothing is written here.
#pragma once

#include <utility>
#include <vector>

#include "common/json.h"
#include "common/value.h"
#include "orm/env.h"
#include "schema/model.h"

namespace autorules::orm {

struct X2ManyCommand {
  int code = 0;  // 0 create, 1 update, 2 delete, 3 unlink, 4 link, 5 clear, 6 set
  common::Id id = 0;
  common::Json vals;   // 0, 1
  common::IdList ids;  // 6
};

struct PreparedValues {
  std::vector<std::pair<const schema::Field*, common::Value>> columns;
  std::vector<std::pair<const schema::Field*, std::vector<X2ManyCommand>>> x2many;
  std::vector<std::string> field_names() const;
};

// Checks what the caller asks to write, before model hooks add their own values: ValueError for
// an unknown field, ValidationError for a field set automatically or read-only (unless the Env
// is superuser), AccessError for a field only administrators may write.
void check_writable(const Env& env, const schema::Model& model, const common::Json& vals);

// ValueError for an unknown field or a bad value.
PreparedValues prepare_values(const Env& env, const schema::Model& model, const common::Json& vals);

// ValidationError when a many2one value points to a record that does not exist.
void check_references(const Env& env, const schema::Model& model,
                      const std::vector<PreparedValues>& prepared);

// ValidationError when a required field is empty (on create: missing or empty; on write: set
// to empty).
void check_required(const schema::Model& model, const PreparedValues& values, bool create);

// ValidationError when writing the model's parent field made a record its own ancestor.
void check_recursion(const Env& env, const schema::Model& model, const common::IdList& ids);

// Applies x2many commands for one record. `new_record`: it was inserted by this create (ids are
// never reused, so it has no links yet: none to remove).
void apply_x2many(const Env& env, const schema::Model& model, common::Id record_id,
                  const schema::Field& field, const std::vector<X2ManyCommand>& commands,
                  bool new_record = false);

// The default of a field for a new record (context "default_<name>" first), or null.
common::Json default_value(const Env& env, const schema::Field& field);

}  // namespace autorules::orm
