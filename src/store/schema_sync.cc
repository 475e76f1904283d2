#include "store/schema_sync.h"

#include <algorithm>

#include <fmt/format.h>

namespace autorules::store {
namespace {

using schema::Field;
using schema::Model;

std::string column_definition(const Dialect& d, const Field& f) {
  return fmt::format("{} {}{}", d.quote(f.name), d.column_type(f.type), d.column_default(f.type));
}

void create_relation_table(Connection& conn, const Field& f) {
  const Dialect& d = conn.dialect();
  if (conn.table_exists(f.relation_table)) {
    return;
  }
  conn.execute_script(fmt::format(
      "CREATE TABLE {t} ({c1} INTEGER NOT NULL, {c2} INTEGER NOT NULL, PRIMARY KEY ({c1}, {c2}));"
      "CREATE INDEX {i} ON {t} ({c2}, {c1});",
      fmt::arg("t", d.quote(f.relation_table)), fmt::arg("c1", d.quote(f.column1)),
      fmt::arg("c2", d.quote(f.column2)),
      fmt::arg("i", d.quote(f.relation_table + "_" + f.column2 + "_idx"))));
}

}  // namespace

std::string index_name(const Model& model, std::string_view column) {
  return fmt::format("{}__{}_index", model.table(), column);
}

void set_index(Connection& conn, const Model& model, const Field& field, bool on) {
  const Dialect& d = conn.dialect();
  std::string name = index_name(model, field.name);
  if (on) {
    conn.execute_script(fmt::format("CREATE INDEX IF NOT EXISTS {} ON {} ({})", d.quote(name),
                                    d.quote(model.table()), d.quote(field.name)));
  } else {
    conn.execute_script(fmt::format("DROP INDEX IF EXISTS {}", d.quote(name)));
  }
}

void add_field(Connection& conn, const Model& model, const Field& field) {
  if (field.type == schema::FieldType::kMany2many && field.store) {
    create_relation_table(conn, field);
    return;
  }
  if (!field.has_column() || field.name == "id") {
    return;
  }
  std::vector<std::string> cols = conn.table_columns(model.table());
  if (std::find(cols.begin(), cols.end(), field.name) == cols.end()) {
    const Dialect& d = conn.dialect();
    conn.execute_script(fmt::format("ALTER TABLE {} ADD COLUMN {}", d.quote(model.table()),
                                    column_definition(d, field)));
  }
  if (field.index) {
    set_index(conn, model, field, true);
  }
}

void drop_field(Connection& conn, const Model& model, const Field& field) {
  const Dialect& d = conn.dialect();
  if (field.type == schema::FieldType::kMany2many) {
    // The relation table may be shared with the inverse many2many of the comodel; it is dropped
    // only with the last field that uses it (the caller knows; here we drop what we are told).
    conn.execute_script(fmt::format("DROP TABLE IF EXISTS {}", d.quote(field.relation_table)));
    return;
  }
  if (!field.has_column()) {
    return;
  }
  set_index(conn, model, field, false);
  std::vector<std::string> cols = conn.table_columns(model.table());
  if (std::find(cols.begin(), cols.end(), field.name) != cols.end()) {
    conn.execute_script(
        fmt::format("ALTER TABLE {} DROP COLUMN {}", d.quote(model.table()), d.quote(field.name)));
  }
}

void rename_column(Connection& conn, const Model& model, std::string_view from,
                   std::string_view to) {
  const Dialect& d = conn.dialect();
  conn.execute_script(fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", d.quote(model.table()),
                                  d.quote(from), d.quote(to)));
}

void sync_model(Connection& conn, const Model& model) {
  const Dialect& d = conn.dialect();
  if (!conn.table_exists(model.table())) {
    std::string cols = d.id_column_definition();
    for (const Field& f : model.fields()) {
      if (f.has_column() && f.name != "id") {
        cols += ", " + column_definition(d, f);
      }
    }
    conn.execute_script(fmt::format("CREATE TABLE {} ({})", d.quote(model.table()), cols));
  }
  for (const Field& f : model.fields()) {
    add_field(conn, model, f);
  }
}

void sync_schema(Connection& conn, const schema::Registry& registry) {
  for (const Model* m : registry.models()) {
    sync_model(conn, *m);
  }
}

void drop_model(Connection& conn, const Model& model) {
  const Dialect& d = conn.dialect();
  for (const Field& f : model.fields()) {
    if (f.type == schema::FieldType::kMany2many && f.store) {
      conn.execute_script(fmt::format("DROP TABLE IF EXISTS {}", d.quote(f.relation_table)));
    }
  }
  conn.execute_script(fmt::format("DROP TABLE IF EXISTS {}", d.quote(model.table())));
}

}  // namespace autorules::store
