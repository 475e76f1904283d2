// External ids (ir.model.data, "module.name"): recording a record's xml id, the records a
// subsystem makes once under an xml id, and how model and field names appear in xml ids.
// Env::ref / Env::find_ref read them. Thread-safety: each call works in the transaction of the
// Env it is given.
#pragma once

#include <string>

#include "common/json.h"
#include "orm/env.h"
#include "orm/recordset.h"

namespace autorules::orm {

// Records xml id `module.name` for a record (idempotent: an existing id is pointed at the
// record, its noupdate flag kept).
void set_xmlid(const Env& env, const std::string& module, const std::string& name,
               const std::string& model, common::Id res_id, bool noupdate = false);

// The record of xml id `module.name`, created in `model` from `vals` (as the superuser, the id
// marked noupdate) when the id does not exist yet: the data a subsystem sets up at start-up.
struct EnsuredRecord {
  RecordSet record;
  bool created = false;
};
EnsuredRecord ensure_xmlid_record(const Env& env, const std::string& module,
                                  const std::string& name, const std::string& model,
                                  const common::Json& vals);

// A model name as part of an xml id ("res.partner" → "res_partner", as in model_res_partner).
std::string xml_name(const std::string& model);

}  // namespace autorules::orm
