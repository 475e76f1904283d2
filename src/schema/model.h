// Model: the definition of one model (a table of records): its name, table, ordering, its fields
// in declaration order. Immutable once published in a Registry; a change makes a new Model.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "schema/field.h"

namespace autorules::schema {

class Model {
 public:
  Model(std::string name, std::string description);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::string& table() const { return table_; }
  // Default ordering ("_order"): a comma-separated list of "field [asc|desc]".
  const std::string& order() const { return order_; }
  bool is_mail_thread() const { return mail_thread_; }
  // Created at run time through ir.model (state "manual"), as opposed to built-in or app models.
  bool manual() const { return manual_; }
  // The app that defines the model ("base" for built-in ones).
  const std::string& module() const { return module_; }

  // The field that names a record: "name", else "x_name", else empty (display "model,id").
  const std::string& rec_name() const { return rec_name_; }
  // The archiving field: "active", else "x_active", else empty.
  const std::string& active_field() const { return active_field_; }
  // The hierarchy field of child_of/parent_of: "parent_id" when it is a many2one to this model.
  const std::string& parent_field() const { return parent_field_; }

  const std::vector<Field>& fields() const { return fields_; }
  const Field* field(std::string_view name) const;
  bool has_field(std::string_view name) const { return field(name) != nullptr; }

  // Building (before publication).
  Model& set_order(std::string order);
  Model& set_mail_thread(bool v);
  Model& set_manual(bool v);
  Model& set_module(std::string module);
  Model& set_description(std::string description);
  // Adds or replaces a field; fills derived attributes (m2m table names, copy defaults).
  Model& add(Field f);
  Model& remove(std::string_view field_name);
  // Adds id, display_name, create_uid, create_date, write_uid, write_date when missing.
  Model& add_magic_fields();

  // "res.partner" → "res_partner".
  static std::string table_of(std::string_view model_name);

 private:
  void reindex();

  std::string name_;
  std::string description_;
  std::string table_;
  std::string order_ = "id";
  std::string module_ = "base";
  bool mail_thread_ = false;
  bool manual_ = false;
  std::string rec_name_;
  std::string active_field_;
  std::string parent_field_;
  std::vector<Field> fields_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace autorules::schema
