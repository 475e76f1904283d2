#include "schema/model.h"

#include <algorithm>

namespace autorules::schema {

Model::Model(std::string name, std::string description)
    : name_(std::move(name)), description_(std::move(description)), table_(table_of(name_)) {}

std::string Model::table_of(std::string_view model_name) {
  std::string t(model_name);
  std::replace(t.begin(), t.end(), '.', '_');
  return t;
}

const Field* Model::field(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &fields_[it->second];
}

Model& Model::set_order(std::string order) {
  order_ = std::move(order);
  return *this;
}
Model& Model::set_mail_thread(bool v) {
  mail_thread_ = v;
  // What a mail thread has (Odoo's mail.thread and mail.activity.mixin): its messages, its
  // followers and its activities, each a one2many on the comodel's (res_id, model name) pair.
  struct ThreadField {
    const char* name;
    const char* label;
    const char* comodel;
    const char* model_field;
  };
  static constexpr ThreadField kThreadFields[] = {
      {"message_ids", "Messages", "mail.message", "model"},
      {"message_follower_ids", "Followers", "mail.followers", "res_model"},
      {"activity_ids", "Activities", "mail.activity", "res_model"},
  };
  for (const ThreadField& t : kThreadFields) {
    if (!v) {
      remove(t.name);
    } else if (!has_field(t.name)) {
      add(one2many(t.name, t.label, t.comodel, "res_id").polymorphic(t.model_field).copy(false));
    }
  }
  return *this;
}
Model& Model::set_manual(bool v) {
  manual_ = v;
  return *this;
}
Model& Model::set_module(std::string module) {
  module_ = std::move(module);
  return *this;
}
Model& Model::set_description(std::string description) {
  description_ = std::move(description);
  return *this;
}

Model& Model::add(Field f) {
  if (f.type == FieldType::kMany2many && f.relation_table.empty()) {
    // Odoo's default: "<table1>_<table2>_rel" with the two tables in name order.
    std::string a = table_, b = table_of(f.relation);
    f.relation_table = (a < b ? a + "_" + b : b + "_" + a) + "_rel";
    f.column1 = a + "_id";
    f.column2 = b + "_id";
    if (f.column1 == f.column2) {
      f.relation_table = a + "_" + f.name + "_rel";
      f.column1 = a + "_src_id";
      f.column2 = a + "_dst_id";
    }
  }
  if (f.magic) {
    f.copy = false;
  }
  if (f.type == FieldType::kMany2one && !f.magic) {
    // Inverse lookups (one2many, ondelete) must not scan. create_uid/write_uid are not indexed
    // (as in Odoo): every insert would pay for two more index pages, for the rare user deletion.
    f.index = true;
  }
  auto it = index_.find(f.name);
  if (it != index_.end()) {
    fields_[it->second] = std::move(f);
  } else {
    fields_.push_back(std::move(f));
  }
  reindex();
  return *this;
}

Model& Model::remove(std::string_view field_name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const Field& f) { return f.name == field_name; }),
                fields_.end());
  reindex();
  return *this;
}

Model& Model::add_magic_fields() {
  auto magic = [](FieldDef d) {
    Field f = d;
    f.magic = true;
    f.readonly = true;
    f.copy = false;
    return f;
  };
  if (!has_field("id"))
    add(magic(integer_field("id", "ID")));
  if (!has_field("display_name"))
    add(magic(char_field("display_name", "Display Name").store(false)));
  if (!has_field("create_uid"))
    add(magic(many2one("create_uid", "Created by", "res.users")));
  if (!has_field("create_date"))
    add(magic(datetime_field("create_date", "Created on")));
  if (!has_field("write_uid"))
    add(magic(many2one("write_uid", "Last Updated by", "res.users")));
  if (!has_field("write_date"))
    add(magic(datetime_field("write_date", "Last Updated on")));
  return *this;
}

void Model::reindex() {
  index_.clear();
  for (size_t i = 0; i < fields_.size(); ++i) {
    index_[fields_[i].name] = i;
  }
  auto pick = [&](std::initializer_list<const char*> names, auto ok) -> std::string {
    for (const char* n : names) {
      const Field* f = field(n);
      if (f && ok(*f)) {
        return n;
      }
    }
    return "";
  };
  rec_name_ = pick({"name", "x_name"}, [](const Field& f) { return f.store && f.is_textual(); });
  active_field_ = pick({"active", "x_active"},
                       [](const Field& f) { return f.type == FieldType::kBoolean && f.store; });
  parent_field_ = pick({"parent_id", "x_parent_id"}, [&](const Field& f) {
    return f.type == FieldType::kMany2one && f.relation == name_;
  });
}

}  // namespace autorules::schema
