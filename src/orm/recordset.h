// RecordSet: an ordered set of records of one model in one Env, with the ORM's methods (Odoo's
// recordset API): search, read, create, write, unlink, copy, name_search, default_get,
// fields_get. Every method checks access rights unless the Env is in superuser mode, validates
// its input (ValueError / ValidationError naming the field and the problem, nothing changed),
// keeps stored related fields up to date and notifies the observers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/value.h"
#include "domain/domain.h"
#include "orm/env.h"
#include "schema/model.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

struct SearchOptions {
  std::int64_t offset = 0;
  std::optional<std::int64_t> limit;
  std::string order;  // "" = the model's default order
};

// A domain saved on a rule or an action by a privileged user, from its text form ("[('user_id',
// '=', uid)]"): literal text is parsed natively; text holding Python expressions is evaluated by
// the sandbox first, with `env` (ValueError without a sandbox). Never for a client's domain,
// which holds literals only (domain::Domain::from_text).
domain::Domain parse_domain(const Env& env, std::string_view text);

// Whether the user of `env` may read, search and order `field` through the API and user code: a
// secret field never (it is as if it did not exist), a system-only field (Python code, the
// secret URL of a webhook) only in superuser mode or for base.group_system.
bool can_read_field(const Env& env, const schema::Field& field);
// AccessError naming the field and the group it needs, when the user may not read it.
void check_field_access(const Env& env, const schema::Model& model, const schema::Field& field);

// A field's value from its JSON form, checked as a write would check it (ValueError naming the
// field otherwise); many2one as an id, x2many as an id list.
Value field_value_from_json(const schema::Model& model, const schema::Field& field,
                            const Json& json);

class RecordSet {
 public:
  RecordSet(Env env, std::shared_ptr<const schema::Model> model, IdList ids = {});

  const Env& env() const { return env_; }
  const schema::Model& model() const { return *model_; }
  const std::string& name() const { return model_->name(); }
  const IdList& ids() const { return ids_; }
  size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  Id id() const;  // ValueError "Expected singleton" unless exactly one record

  RecordSet browse(IdList ids) const;
  RecordSet sudo(bool su = true) const;
  RecordSet with_env(const Env& env) const;
  // The records that still exist.
  RecordSet exists() const;
  // MissingError naming the records that do not exist (the API's 404).
  void ensure_exist() const;

  // --- Searching ---
  RecordSet search(const domain::Domain& domain, const SearchOptions& options = {}) const;
  std::int64_t search_count(const domain::Domain& domain,
                            std::optional<std::int64_t> limit = std::nullopt) const;
  // Records among these that satisfy the domain, evaluated in memory (current values).
  RecordSet filtered_domain(const domain::Domain& domain) const;

  // --- Reading ---
  // Odoo's read(): one object per record, {"id": ..., field: value in API form}. Empty
  // `fields` means every field the caller may read.
  Json read(const std::vector<std::string>& fields = {}) const;
  Json search_read(const domain::Domain& domain, const std::vector<std::string>& fields,
                   const SearchOptions& options = {}) const;
  // One field's raw value of one record (ids for relations). Reads through the database.
  Value get(std::string_view field) const;
  // The raw values of every column field (stored, not x2many) of one record, in one query.
  std::unordered_map<std::string, Value> row() const;
  // Raw values of one field for every record, in order.
  std::vector<Value> mapped(std::string_view field) const;
  // The records linked through a relational field (union, in order of first appearance).
  RecordSet related(std::string_view field) const;
  std::vector<std::string> display_names() const;

  // --- Changing ---
  // `vals_list`: an object or a list of objects. Returns the new records, in order.
  RecordSet create(const Json& vals_list) const;
  void write(const Json& vals) const;
  void unlink() const;
  RecordSet copy(const Json& defaults = Json::object()) const;

  // --- Describing ---
  Json fields_get(const std::vector<std::string>& fields = {},
                  const std::vector<std::string>& attributes = {}) const;
  Json default_get(const std::vector<std::string>& fields) const;
  Json name_search(const std::string& name, const domain::Domain& domain,
                   const std::string& op = "ilike", std::optional<std::int64_t> limit = 100) const;
  RecordSet name_create(const std::string& name) const;
  // Odoo's onchange(values, field_names, fields_spec) for a form: the values the form should
  // show after `field_names` changed (all defaults when it is empty, i.e. a new record): stored
  // related fields followed from the new values. Saves nothing. Returns {"value": {...}}.
  Json onchange(const Json& values, const std::vector<std::string>& field_names,
                const Json& fields_spec) const;

  // --- Access ---
  enum class Operation { kRead, kWrite, kCreate, kUnlink };
  // Whether the Env's user may do `op` on this model (always in superuser mode).
  bool has_access(Operation op) const;
  // AccessError (Odoo's message, naming the groups that may) unless has_access(op).
  void check_access(Operation op) const;

  RecordSet operator|(const RecordSet& other) const;
  bool operator==(const RecordSet& other) const {
    return model_->name() == other.model_->name() && ids_ == other.ids_;
  }

 private:
  Env env_;
  std::shared_ptr<const schema::Model> model_;
  IdList ids_;
};

}  // namespace autorules::orm
