// Schema synchronisation: the tables, columns, relation tables and indexes that the registry
// describes, made in the database. Everything here is idempotent and runs inside the caller's
// transaction, so a failed change leaves the database as it was. Nothing is ever dropped
// implicitly: dropping is an explicit call, made when a field or model is deleted.
#pragma once

#include "schema/registry.h"
#include "store/connection.h"

namespace autorules::store {

// Creates what is missing for every model of the registry.
void sync_schema(Connection& conn, const schema::Registry& registry);
// Creates what is missing for one model (its table, its columns, its many2many tables).
void sync_model(Connection& conn, const schema::Model& model);
// One field: its column (with index) or its relation table.
void add_field(Connection& conn, const schema::Model& model, const schema::Field& field);
void drop_field(Connection& conn, const schema::Model& model, const schema::Field& field);
void rename_column(Connection& conn, const schema::Model& model, std::string_view from,
                   std::string_view to);
void set_index(Connection& conn, const schema::Model& model, const schema::Field& field, bool on);
void drop_model(Connection& conn, const schema::Model& model);

std::string index_name(const schema::Model& model, std::string_view column);

}  // namespace autorules::store
